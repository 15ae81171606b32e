import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { ReactNode } from 'react';
import { errorMessage, isNotFound } from './errors';

/**
 * A card's body while its data loads: a 404 (the entity is not one Pulse tracks, or the user may
 * not see it) as an empty state with the backend's reason, any other error as an error panel,
 * a progress bar until the first value; then `children` with the value.
 */
export function CardBody<T>(props: {
  value: T | undefined;
  error: Error | undefined;
  notFoundTitle: string;
  children: (value: T) => ReactNode;
}) {
  const { value, error } = props;
  if (error && isNotFound(error)) {
    return (
      <EmptyState
        missing="info"
        title={props.notFoundTitle}
        description={errorMessage(error)}
      />
    );
  }
  if (error) {
    return <ResponseErrorPanel error={error} />;
  }
  if (value === undefined) {
    return <Progress />;
  }
  return <>{props.children(value)}</>;
}
