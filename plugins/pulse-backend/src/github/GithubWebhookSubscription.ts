import { LoggerService } from '@backstage/backend-plugin-api';
import { EventParams, EventsService } from '@backstage/plugin-events-node';
import { GITHUB_WEBHOOK_TOPICS } from './GithubWebhookHandler';

/** What the subscription hands deliveries to once Pulse is ready. */
export interface WebhookReceiver {
  onEvent(params: EventParams): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 8_000;

/**
 * Pulse's subscription to the GitHub webhook topics, which can be made before the rest of Pulse
 * is set up. The events backend starts answering webhooks as soon as the events plugin has
 * started, whatever Pulse is still doing, and a delivery that arrives before Pulse has
 * subscribed is answered 202 and never reaches Pulse (with PostgreSQL, the events bus keeps it
 * for a subscription made in an earlier run, without its headers). Subscribed first, Pulse holds
 * such a delivery, and GitHub's answer with it, until its handler is attached; GitHub waits 10 s
 * for an answer, so a delivery is held at most `readyTimeoutMs`.
 */
export class GithubWebhookSubscription {
  private receiver?: WebhookReceiver;
  private readonly waiting = new Set<(receiver: WebhookReceiver) => void>();

  private constructor(
    private readonly logger: LoggerService,
    private readonly readyTimeoutMs: number,
  ) {}

  /** Subscribes to every topic Pulse applies. */
  static async subscribe(
    events: EventsService,
    options: { logger: LoggerService; readyTimeoutMs?: number },
  ): Promise<GithubWebhookSubscription> {
    const subscription = new GithubWebhookSubscription(
      options.logger,
      options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    );
    await events.subscribe({
      id: 'pulse-github',
      topics: GITHUB_WEBHOOK_TOPICS,
      onEvent: params => subscription.onEvent(params),
    });
    return subscription;
  }

  /** Hands held and future deliveries to `receiver`. */
  attach(receiver: WebhookReceiver): void {
    this.receiver = receiver;
    for (const resume of this.waiting) {
      resume(receiver);
    }
    this.waiting.clear();
  }

  private async onEvent(params: EventParams): Promise<void> {
    const receiver = this.receiver ?? (await this.ready(params));
    await receiver.onEvent(params);
  }

  private ready(params: EventParams): Promise<WebhookReceiver> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const resume = (receiver: WebhookReceiver) => {
        clearTimeout(timer);
        resolve(receiver);
      };
      timer = setTimeout(() => {
        this.waiting.delete(resume);
        const delivery = params.metadata?.['x-github-delivery'] ?? '(no id)';
        this.logger.error(
          `Pulse was not ready for GitHub ${params.topic} delivery ${delivery} within ${this.readyTimeoutMs} ms; redeliver it from GitHub`,
        );
        reject(new Error('Pulse is not ready for GitHub webhooks yet'));
      }, this.readyTimeoutMs);
      this.waiting.add(resume);
    });
  }
}
