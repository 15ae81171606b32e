export { pulseApiRef } from './PulseApi';
export type { PulseApi } from './PulseApi';
export { PulseClient } from './PulseClient';
