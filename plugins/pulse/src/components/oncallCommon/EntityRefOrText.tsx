import { parseEntityRef } from '@backstage/catalog-model';
import { EntityRefLink } from '@backstage/plugin-catalog-react';

function parseCatalogRef(value: string) {
  try {
    const ref = parseEntityRef(value);
    return ['user', 'group'].includes(ref.kind.toLocaleLowerCase('en-US'))
      ? ref
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A user or group entity ref as a link to its catalog page; anything else (a service subject
 * such as an alert source, or nothing for the engine) as text.
 */
export function EntityRefOrText(props: {
  value: string | null;
  fallback?: string;
}) {
  const { value, fallback = 'Pulse' } = props;
  if (!value) {
    return <>{fallback}</>;
  }
  const ref = parseCatalogRef(value);
  if (!ref) {
    return <>{value}</>;
  }
  return <EntityRefLink entityRef={ref} />;
}

/** The people an incident is assigned to, as links, separated by commas. */
export function EntityRefList(props: { refs: string[]; empty?: string }) {
  if (props.refs.length === 0) {
    return <>{props.empty ?? 'Nobody'}</>;
  }
  return (
    <>
      {props.refs.map((ref, index) => (
        <span key={ref}>
          {index > 0 && ', '}
          <EntityRefOrText value={ref} />
        </span>
      ))}
    </>
  );
}
