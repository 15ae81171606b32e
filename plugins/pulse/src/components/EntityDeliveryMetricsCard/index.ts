export { EntityDeliveryMetricsCard } from './EntityDeliveryMetricsCard';
export {
  EntityGroupDeliveryMetricsCard,
  EntitySystemDeliveryMetricsCard,
} from './MembersDeliveryMetricsCard';
