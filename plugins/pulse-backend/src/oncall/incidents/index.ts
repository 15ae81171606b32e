import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { DomainEventPublisher } from '../../events/DomainEventPublisher';
import { Clock, systemClock } from '../../service/clock';
import { EngineStatusStore } from './EngineStatusStore';
import { EscalationPolicySource } from '../policies';
import { EscalationLedger } from './EscalationLedger';
import { IncidentActions } from './IncidentActions';
import { IncidentChanges } from './IncidentChanges';
import { IncidentIntakeService } from './IncidentIntakeService';
import { IncidentStore } from './IncidentStore';

export type {
  ActionContext,
  ListIncidentsQuery,
  NewIncident,
} from './IncidentActions';
export type { SentPage } from './EscalationLedger';
export type {
  AlertSignal,
  IncidentIntake,
  IntakeResult,
} from './IncidentIntake';
export { normalizeDedupKey } from './IncidentIntakeService';
export {
  EscalationLedger,
  IncidentActions,
  IncidentIntakeService,
  IncidentStore,
};

export interface IncidentServicesOptions {
  knex: Knex;
  publisher: DomainEventPublisher;
  /** Which policy a new incident follows; defaults to none (incidents open, nobody is paged). */
  policies?: EscalationPolicySource;
  auditor?: AuditorService;
  logger?: LoggerService;
  clock?: Clock;
  /** Absolute or app-relative link to an incident; `htmlUrl` in the API and notifications. */
  incidentLink?: (incidentId: string) => string;
  /** Called after a change leaves escalation work due now, to run the engine early. */
  onEscalationDue?: () => void;
  /** The store to use instead of one over `knex` (tests make it fail on purpose). */
  store?: IncidentStore;
}

/** The incident rooms, one per kind of caller, over one store and one way of changing. */
export interface IncidentServices {
  /** For the on-call REST API: the people's reads and actions. */
  actions: IncidentActions;
  /** For alert intake and heartbeats, behind the `IncidentIntake` port. */
  intake: IncidentIntakeService;
  /** For the escalation engine, and only for it (and the health report it feeds). */
  ledger: EscalationLedger;
}

/** Builds the incident rooms over the plugin's database. */
export function createIncidentServices(
  options: IncidentServicesOptions,
): IncidentServices {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? new IncidentStore(options.knex);
  const changes = new IncidentChanges({
    store,
    publisher: options.publisher,
    clock,
    incidentLink: options.incidentLink,
  });
  const intake = new IncidentIntakeService({
    store,
    changes,
    policies: options.policies,
    auditor: options.auditor,
    logger: options.logger,
    clock,
    onEscalationDue: options.onEscalationDue,
  });
  const actions = new IncidentActions({
    store,
    changes,
    intake,
    policies: options.policies,
    auditor: options.auditor,
    clock,
    onEscalationDue: options.onEscalationDue,
  });
  const ledger = new EscalationLedger({
    store,
    engineStatus: new EngineStatusStore(options.knex),
    changes,
    auditor: options.auditor,
    clock,
  });
  return { actions, intake, ledger };
}
