import { Entity, getCompoundEntityRef } from '@backstage/catalog-model';
import {
  EmptyState,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  isPulseAvailable,
  TrackedEntity,
} from '@internal/plugin-pulse-common';
import useAsync from 'react-use/esm/useAsync';
import { pulseApiRef } from '../../api';
import { formatRelativeTime } from './formatRelativeTime';
import { StatusLabel } from '../StatusLabel';

// Checked by name, not instanceof: the error may come from another copy of @backstage/errors.
function isNotFound(error: Error): error is ResponseError {
  return (
    error.name === 'ResponseError' &&
    (error as ResponseError).statusCode === 404
  );
}

function RefreshedAt(props: { value: string }) {
  const date = new Date(props.value);
  if (Number.isNaN(date.getTime())) {
    return <>{props.value}</>;
  }
  return (
    <time dateTime={props.value} title={date.toLocaleString()}>
      {formatRelativeTime(date)}
    </time>
  );
}

function TrackedEntityDetails(props: {
  tracked: TrackedEntity;
  annotation: string;
}) {
  const { repository, valid, problems, refreshedAt } = props.tracked;

  const metadata: Record<string, unknown> = {
    repository: repository ? (
      <Link to={repository.htmlUrl}>{repository.slug}</Link>
    ) : (
      `${props.annotation} (not a valid owner/repo)`
    ),
  };
  if (repository) {
    metadata.host = repository.host;
  }
  metadata.link = valid ? (
    <StatusLabel kind="ok">Valid</StatusLabel>
  ) : (
    <StatusLabel kind="error">Invalid</StatusLabel>
  );
  if (!valid && problems.length > 0) {
    metadata.problems = problems;
  }
  metadata.lastRefreshed = <RefreshedAt value={refreshedAt} />;

  return <StructuredMetadataTable metadata={metadata} />;
}

function TrackedEntityStatus(props: { entity: Entity }) {
  const { entity } = props;
  const pulseApi = useApi(pulseApiRef);
  const { kind, namespace, name } = getCompoundEntityRef(entity);
  const annotation =
    entity.metadata.annotations?.[GITHUB_PROJECT_SLUG_ANNOTATION] ?? '';

  const { value, loading, error } = useAsync(
    () => pulseApi.getTrackedEntity({ kind, namespace, name }),
    [pulseApi, kind, namespace, name],
  );

  if (loading) {
    return <Progress />;
  }
  if (error) {
    if (isNotFound(error)) {
      return (
        <EmptyState
          missing="info"
          title="Not tracked by Pulse"
          description={error.cause.message}
        />
      );
    }
    return <ResponseErrorPanel error={error} />;
  }
  if (!value) {
    return null;
  }
  return <TrackedEntityDetails tracked={value} annotation={annotation} />;
}

/** Card showing the GitHub repository Pulse links the current entity to, and whether that link works. */
export const EntityPulseStatusCard = () => {
  const { entity } = useEntity();

  return (
    <InfoCard title="Pulse">
      {isPulseAvailable(entity) ? (
        <TrackedEntityStatus entity={entity} />
      ) : (
        <MissingAnnotationEmptyState
          annotation={GITHUB_PROJECT_SLUG_ANNOTATION}
        />
      )}
    </InfoCard>
  );
};
