export { EntityWorkflowRunsCard } from './EntityWorkflowRunsCard';
