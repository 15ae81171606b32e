import { LoggerService } from '@backstage/backend-plugin-api';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { NotificationSeverity } from '@backstage/plugin-notifications-common';
import { IncidentSeverity } from '@pulse-oss/plugin-pulse-common';
import { WebhookConfig } from '../config';

const SEVERITY: Record<IncidentSeverity, NotificationSeverity> = {
  critical: 'critical',
  error: 'high',
  warning: 'normal',
  info: 'low',
};

export interface PageRequest {
  incident: {
    id: string;
    title: string;
    entityRef: string;
    severity: IncidentSeverity;
    createdAt: string;
  };
  /** User entity refs. */
  recipients: string[];
  webhookUrls: string[];
  stepIndex: number;
  round: number;
  /** The same for every attempt of this page: notifications' `scope`, webhooks' `Idempotency-Key`. */
  idempotencyKey: string;
  /** Link to the incident in the portal. */
  link: string;
}

export interface WebhookOutcome {
  name: string;
  ok: boolean;
  error?: string;
}

export interface PagerOptions {
  notifications: NotificationService;
  webhooks: Map<string, WebhookConfig>;
  logger: LoggerService;
  fetch?: typeof fetch;
  /** Waits between webhook attempts; the number of retries is its length. */
  retryDelaysMs?: number[];
  timeoutMs?: number;
}

/**
 * Sends one escalation page: a Backstage notification to the users, and a POST to each webhook.
 * Retries of the same page carry the same idempotency key, so a repeat after a crash is harmless.
 */
export class Pager {
  private readonly fetch: typeof fetch;
  private readonly retryDelaysMs: number[];
  private readonly timeoutMs: number;

  constructor(private readonly options: PagerOptions) {
    this.fetch = options.fetch ?? fetch;
    // Worst case (4 attempts of 5 s plus waits) stays well inside the 60 s default lease.
    this.retryDelaysMs = options.retryDelaysMs ?? [500, 2000, 5000];
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Throws when the notification cannot be sent, so the page is retried; webhook failures are reported. */
  async page(request: PageRequest): Promise<WebhookOutcome[]> {
    const { incident } = request;
    const [webhooks] = await Promise.all([
      Promise.all(
        request.webhookUrls.map(url => this.postWebhook(url, request)),
      ),
      request.recipients.length > 0
        ? this.options.notifications.send({
            recipients: { type: 'entity', entityRef: request.recipients },
            payload: {
              title: `[${incident.severity}] ${incident.title}`,
              description: `${incident.entityRef} needs you: step ${
                request.stepIndex + 1
              } of its escalation. Acknowledge it in the portal.`,
              link: request.link,
              severity: SEVERITY[incident.severity],
              topic: 'pulse-incident',
              scope: request.idempotencyKey,
            },
          })
        : Promise.resolve(),
    ]);
    return webhooks;
  }

  private async postWebhook(
    url: string,
    request: PageRequest,
  ): Promise<WebhookOutcome> {
    const config = this.options.webhooks.get(url);
    const name = config?.name ?? new URL(url).host;
    const body = JSON.stringify({
      type: 'pulse.incident.page',
      idempotencyKey: request.idempotencyKey,
      step: request.stepIndex + 1,
      round: request.round + 1,
      incident: { ...request.incident, url: request.link },
      recipients: request.recipients,
    });
    let lastError = '';
    for (let attempt = 0; attempt <= this.retryDelaysMs.length; attempt++) {
      if (attempt > 0) {
        await new Promise(r => setTimeout(r, this.retryDelaysMs[attempt - 1]));
      }
      try {
        const response = await this.fetch(url, {
          method: 'POST',
          headers: {
            ...config?.headers,
            'content-type': 'application/json',
            'idempotency-key': request.idempotencyKey,
          },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        if (response.ok) {
          return { name, ok: true };
        }
        lastError = `HTTP ${response.status}`;
        // Other client errors will not get better by retrying.
        if (
          response.status >= 400 &&
          response.status < 500 &&
          response.status !== 408 &&
          response.status !== 429
        ) {
          break;
        }
      } catch (error) {
        lastError = (error as Error).message;
      }
    }
    this.options.logger.warn(
      `Webhook ${name} failed for page ${request.idempotencyKey}: ${lastError}`,
    );
    return { name, ok: false, error: lastError };
  }
}
