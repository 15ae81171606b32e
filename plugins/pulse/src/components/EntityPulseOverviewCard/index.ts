export { EntityPulseOverviewCard } from './EntityPulseOverviewCard';
