import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import {
  NotificationSendOptions,
  NotificationService,
} from '@backstage/plugin-notifications-node';
import { Knex } from 'knex';
import { DomainEventPublisher } from '../../events/DomainEventPublisher';
import { Clock } from '../../service/clock';
import { OncallConfig } from '../config';
import { EscalationRunner } from '../engine/EscalationRunner';
import { Pager } from '../engine/Pager';
import { createIncidentServices } from '../incidents';
import { EscalationPolicySource } from '../policies';
import { ScheduleService } from '../schedules/ScheduleService';

// No backend-test-utils here: this file also runs in a plain child process (the crash test).

/** A logger that keeps warnings and errors for assertions. */
export class TestLogger implements LoggerService {
  readonly messages: Array<{ level: string; message: string }> = [];
  private log(level: string, message: string) {
    this.messages.push({ level, message });
  }
  error(message: string) {
    this.log('error', message);
  }
  warn(message: string) {
    this.log('warn', message);
  }
  info(message: string) {
    this.log('info', message);
  }
  debug(message: string) {
    this.log('debug', message);
  }
  child(): LoggerService {
    return this;
  }
}

export interface SentNotification {
  recipients: string[];
  scope: string;
  title: string;
  link?: string;
  severity?: string;
}

/** Records every notification; `onSend` may delay or fail a send. */
export class RecordingNotifications implements NotificationService {
  readonly sent: SentNotification[] = [];
  onSend?: (options: NotificationSendOptions) => Promise<void> | void;

  async send(options: NotificationSendOptions): Promise<void> {
    await this.onSend?.(options);
    const recipients = options.recipients;
    this.sent.push({
      recipients:
        recipients.type === 'entity'
          ? ([] as string[]).concat(recipients.entityRef)
          : [],
      scope: options.payload.scope ?? '',
      title: options.payload.title,
      link: options.payload.link,
      severity: options.payload.severity,
    });
  }

  /** Who was paged, in order, as `recipient@scope`-free lists. */
  recipients(): string[][] {
    return this.sent.map(n => n.recipients);
  }

  countByScope(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const n of this.sent) {
      counts.set(n.scope, (counts.get(n.scope) ?? 0) + 1);
    }
    return counts;
  }
}

/** The engine's parts over one database, as each backend replica builds them. */
export function createTestEngine(options: {
  knex: Knex;
  config: OncallConfig;
  clock: Clock;
  policies: EscalationPolicySource;
  notifications: NotificationService;
  replicaId?: string;
  fetch?: typeof fetch;
  logger?: LoggerService;
  auditor?: AuditorService;
}) {
  const logger = options.logger ?? new TestLogger();
  const publisher = new DomainEventPublisher(options.knex, logger);
  const incidentLink = (id: string) => `/pulse/incidents/${id}`;
  const { actions, intake, ledger } = createIncidentServices({
    knex: options.knex,
    publisher,
    policies: options.policies,
    clock: options.clock,
    incidentLink,
    logger,
    auditor: options.auditor,
  });
  const schedules = new ScheduleService({
    knex: options.knex,
    schedules: options.config.schedules,
    publisher,
    clock: options.clock,
    logger,
  });
  const runner = new EscalationRunner({
    ledger,
    schedules,
    pager: new Pager({
      notifications: options.notifications,
      webhooks: options.config.webhooks,
      logger,
      fetch: options.fetch,
      retryDelaysMs: [1, 1],
    }),
    logger,
    leaseSeconds: options.config.escalation.leaseSeconds,
    watchdogGraceMinutes: options.config.escalation.watchdogGraceMinutes,
    replicaId: options.replicaId,
    clock: options.clock,
    incidentLink,
  });
  // `incidents` is the people's room (reads and actions), as the REST API uses it.
  return {
    incidents: actions,
    intake,
    ledger,
    schedules,
    runner,
    publisher,
    logger,
  };
}
