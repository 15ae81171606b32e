export type WebhookEventName =
  | 'pull_request'
  | 'pull_request_review'
  | 'workflow_run'
  | 'check_run'
  | 'deployment'
  | 'deployment_status'
  | 'status';

/** One webhook delivery's content, as produced by an activity step. */
export interface WebhookEvent {
  /** Sent as `X-GitHub-Event`. */
  name: WebhookEventName;
  /** The payload's `action`, when the event has one (`status` has none). */
  action?: string;
  /** Sent as `X-GitHub-Delivery`. */
  deliveryId: string;
  /** `owner/name` of the repository the event belongs to. */
  repository: string;
  payload: Record<string, unknown>;
}
