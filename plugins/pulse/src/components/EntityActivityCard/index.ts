export {
  EntityActivityCard,
  EntityGroupActivityCard,
} from './EntityActivityCard';
