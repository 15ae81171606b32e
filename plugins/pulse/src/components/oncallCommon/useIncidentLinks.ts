import { useRouteRef } from '@backstage/core-plugin-api';
import {
  incidentRouteRef,
  incidentsRouteRef,
  onCallRouteRef,
} from '../../routes';

/**
 * Links to the incidents page and to one incident, or undefined when the app has no incidents
 * page: an entity card must still render in apps that did not add the page.
 */
export function useIncidentLinks(): {
  incidents?: string;
  incident?: (id: string) => string;
} {
  try {
    // useRouteRef runs all of its own hooks before it throws for an unmounted route, so
    // catching keeps the hook order stable.
    /* eslint-disable react-hooks/rules-of-hooks */
    const incidents = useRouteRef(incidentsRouteRef);
    const incident = useRouteRef(incidentRouteRef);
    /* eslint-enable react-hooks/rules-of-hooks */
    return { incidents: incidents(), incident: id => incident({ id }) };
  } catch {
    return {};
  }
}

/** A link to the on-call page, or undefined when the app has no on-call page. */
export function useOnCallLink(): string | undefined {
  try {
    // As above: useRouteRef runs its own hooks before it throws for an unmounted route.
    // eslint-disable-next-line react-hooks/rules-of-hooks
    return useRouteRef(onCallRouteRef)();
  } catch {
    return undefined;
  }
}
