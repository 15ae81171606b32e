export { EntityDeliveryMetricsCard } from './EntityDeliveryMetricsCard';
