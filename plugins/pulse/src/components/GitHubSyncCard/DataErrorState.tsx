import { EmptyState, ResponseErrorPanel } from '@backstage/core-components';
import { isNotFound } from '../../shared/errors';

/** A failed load: a 404 explained as "not tracked", anything else in an error panel. */
export function DataErrorState(props: { error: Error }) {
  const { error } = props;
  if (isNotFound(error)) {
    return (
      <EmptyState
        missing="info"
        title="Not tracked by Pulse"
        description={
          <>
            <span>{error.cause.message}</span>
            <br />
            <span>
              Pulse shows GitHub data for catalog entities that you may see and
              that carry the github.com/project-slug annotation, once Pulse has
              picked them up from the catalog.
            </span>
          </>
        }
      />
    );
  }
  return <ResponseErrorPanel error={error} />;
}
