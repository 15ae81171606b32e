export { EntityPulseContent } from './EntityPulseContent';
export type { EntityPulseContentProps } from './EntityPulseContent';
