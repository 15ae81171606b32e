export { StatusLabel } from './StatusLabel';
export type { StatusKind } from './StatusLabel';
