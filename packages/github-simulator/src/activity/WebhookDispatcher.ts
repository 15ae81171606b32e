import { createHmac } from 'node:crypto';
import type { SimulatorLogger } from '../server/context';
import type { WebhookEvent } from './types';

export interface WebhookSettings {
  url: string;
  secret: string;
  /** Adds `installation` to payloads, as deliveries to GitHub Apps carry it. */
  installationId?: number;
  /** Hook id sent in `X-GitHub-Hook-ID`. */
  hookId?: number;
  /** Per-delivery timeout. Default 10 s, like GitHub. */
  timeoutMs?: number;
}

export interface WebhookDelivery {
  event: WebhookEvent;
  /** HTTP status of the receiver's answer; absent when delivery failed. */
  status?: number;
  error?: string;
  durationMs: number;
}

const USER_AGENT = 'GitHub-Hookshot/5a7c0b2';
const DEFAULT_TIMEOUT_MS = 10_000;

export function signatureHeaders(
  secret: string,
  body: string,
): Record<string, string> {
  return {
    'x-hub-signature': `sha1=${createHmac('sha1', secret)
      .update(body)
      .digest('hex')}`,
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret)
      .update(body)
      .digest('hex')}`,
  };
}

/**
 * POSTs events to the configured receiver one at a time, in the order they
 * were produced. Failures are logged and reported, never thrown.
 */
export class WebhookDispatcher {
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly settings: WebhookSettings,
    private readonly logger: SimulatorLogger,
    private readonly onDelivered: (delivery: WebhookDelivery) => void,
  ) {}

  enqueue(event: WebhookEvent): void {
    this.pending++;
    this.queue = this.queue
      .then(() => this.deliver(event))
      .then(delivery => {
        this.onDelivered(delivery);
      })
      .catch(error => {
        this.logger.error(`Webhook delivery bookkeeping failed: ${error}`);
      })
      .finally(() => {
        this.pending--;
      });
  }

  get pendingDeliveries(): number {
    return this.pending;
  }

  /** Resolves once everything enqueued so far has been attempted. */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.queue;
      await current;
    } while (current !== this.queue);
  }

  private async deliver(event: WebhookEvent): Promise<WebhookDelivery> {
    const body = JSON.stringify(event.payload);
    const repository = event.payload.repository as { id?: number } | undefined;
    const headers: Record<string, string> = {
      accept: '*/*',
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'x-github-event': event.name,
      'x-github-delivery': event.deliveryId,
      'x-github-hook-id': String(this.settings.hookId ?? 1),
      'x-github-hook-installation-target-type': 'repository',
      'x-github-hook-installation-target-id': String(repository?.id ?? 0),
      ...signatureHeaders(this.settings.secret, body),
    };
    const started = Date.now();
    try {
      const response = await fetch(this.settings.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(
          this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        ),
      });
      await response.arrayBuffer();
      if (!response.ok) {
        this.logger.warn(
          `Webhook ${event.name} ${event.deliveryId} answered ${response.status}`,
        );
      }
      return {
        event,
        status: response.status,
        durationMs: Date.now() - started,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(
        `Webhook ${event.name} ${event.deliveryId} to ${this.settings.url} failed: ${message}`,
      );
      return { event, error: message, durationMs: Date.now() - started };
    }
  }
}
