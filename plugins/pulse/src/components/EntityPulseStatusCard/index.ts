export { EntityPulseStatusCard } from './EntityPulseStatusCard';
