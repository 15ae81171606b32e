export { CardBody } from './CardBody';
export {
  errorMessage,
  isNotFound,
  isResponseError,
  isTransient,
} from './errors';
export {
  formatDateTime,
  formatDuration,
  formatElapsed,
  formatRelative,
  formatZonedDateTime,
} from './time';
