import { useRouteRef } from '@backstage/core-plugin-api';
import { incidentRouteRef, incidentsRouteRef } from '../../routes';

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
