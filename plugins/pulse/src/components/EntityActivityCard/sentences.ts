import {
  ActivityItem,
  Incident,
  PullRequest,
  ScheduleOverride,
  WorkflowRun,
} from '@pulse-oss/plugin-pulse-common';

/**
 * One human sentence per activity item (pure), from the item's payload: the REST shape of what
 * changed. Where the payload is a state rather than a change (a pull request or run as it now is),
 * the previous item about the same thing, when loaded, tells what changed. Nothing is claimed that
 * the payload does not say: a pull request's payload names its author, not who merged it.
 */

/** A piece of a sentence. */
export type SentencePart =
  | string
  /** What the sentence is about, linked to it: "#42" with the title "Fix retry budget". */
  | { subject: string; title?: string }
  /** A person or service: a user or group entity ref (shown as its catalog name), a GitHub login, or a tool. */
  | { actor: string }
  /** An instant, shown in the viewer's locale. */
  | { time: string };

/** The icon of a sentence. */
export type ActivityIcon =
  | 'pull-request'
  | 'merged'
  | 'workflow-run'
  | 'deployment'
  | 'incident'
  | 'oncall'
  | 'other';

/** How good the news is. */
export type ActivityTone = 'ok' | 'error' | 'warning' | 'pending' | 'neutral';

/** Where a sentence's subject links to. */
export type ActivityLink =
  | { kind: 'external'; href: string }
  | { kind: 'incident'; id: string }
  | { kind: 'oncall' };

/** An activity item told as a sentence. */
export interface ActivitySentence {
  icon: ActivityIcon;
  tone: ActivityTone;
  parts: SentencePart[];
  link?: ActivityLink;
  /** A short line under the sentence, e.g. the ref and commit of a deploy. */
  detail?: string;
  /**
   * Items with the same burst key that follow each other closely are told as one sentence:
   * `${count} ${noun} ${verb}`, e.g. "12 workflow runs succeeded".
   */
  burst?: { key: string; noun: string; verb: string };
}

/** Who the escalation engine is, in sentences (its events have no actor). */
export const ENGINE_NAME = 'Pulse';

/** How close to its creation a pull request's first event must be to read as "opened". */
const JUST_OPENED_MS = 2 * 60_000;

type IncidentPayload = {
  incident: Incident;
  actor: string | null;
  details?: Record<string, unknown>;
};
type OverridePayload = { override: ScheduleOverride; actor: string };
type HandoffPayload = {
  scheduleId: string;
  scheduleName: string;
  from: string | null;
  to: string | null;
  at: string;
};
type DeploymentPayload = {
  id: number;
  environment: string;
  sha: string;
  ref: string;
  state: string | null;
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isPullRequest(value: unknown): value is PullRequest {
  return (
    isObject(value) &&
    typeof value.number === 'number' &&
    typeof value.title === 'string' &&
    isObject(value.author)
  );
}

function isWorkflowRun(value: unknown): value is WorkflowRun {
  return (
    isObject(value) &&
    typeof value.id === 'number' &&
    typeof value.workflowName === 'string' &&
    typeof value.status === 'string'
  );
}

function isIncidentPayload(value: unknown): value is IncidentPayload {
  return (
    isObject(value) &&
    isObject(value.incident) &&
    typeof value.incident.title === 'string'
  );
}

/** A user or group entity ref, e.g. `user:default/hiro.tanaka`. */
function isCatalogRef(value: string): boolean {
  return /^(user|group):/i.test(value);
}

/** What a person or service is called in a plain-text sentence. */
export function actorName(actor: string): string {
  if (isCatalogRef(actor)) {
    return actor.slice(actor.lastIndexOf('/') + 1).replace(/^[^:]*:/, '');
  }
  return actor;
}

/**
 * A key for the thing an item is about (a pull request, a run attempt, a deployment, an incident),
 * so that the previous item about the same thing can be found.
 */
export function subjectKey(item: ActivityItem): string | undefined {
  const payload = item.payload;
  switch (item.type) {
    case 'github.pull_request.updated':
      return isPullRequest(payload)
        ? `${item.entityRef}#pr-${payload.number}`
        : undefined;
    case 'github.workflow_run.updated':
      return isWorkflowRun(payload)
        ? `${item.entityRef}#run-${payload.id}-${payload.runAttempt}`
        : undefined;
    default:
      return undefined;
  }
}

/**
 * For each item of a newest-first feed, the next older item about the same thing, where it is
 * loaded: what it was before this change.
 */
export function previousItems(
  items: ActivityItem[],
): Map<string, ActivityItem> {
  const previous = new Map<string, ActivityItem>();
  const newerBySubject = new Map<string, ActivityItem>();
  for (const item of items) {
    const key = subjectKey(item);
    if (!key) continue;
    const newer = newerBySubject.get(key);
    if (newer) {
      previous.set(newer.id, item);
    }
    newerBySubject.set(key, item);
  }
  return previous;
}

function describePullRequest(
  pr: PullRequest,
  occurredAt: string,
  before: PullRequest | undefined,
): ActivitySentence {
  const subject = { subject: `#${pr.number}`, title: pr.title };
  const author = { actor: pr.author.login };
  const link: ActivityLink = { kind: 'external', href: pr.htmlUrl };
  const base = { icon: 'pull-request' as const, link };
  const was = (
    verb: string,
    tone: ActivityTone,
    key: string,
    icon: ActivityIcon = 'pull-request',
  ): ActivitySentence => ({
    ...base,
    icon,
    tone,
    parts: [subject, ' by ', author, ` ${verb}`],
    burst: { key: `pr:${key}`, noun: 'pull requests', verb },
  });

  if (pr.state === 'merged') {
    return before?.state === 'merged'
      ? was('was updated', 'neutral', 'updated', 'merged')
      : was('was merged', 'ok', 'merged', 'merged');
  }
  if (pr.state === 'closed') {
    return before?.state === 'closed'
      ? was('was updated', 'neutral', 'updated')
      : was('was closed without merging', 'neutral', 'closed');
  }
  if (before && before.state !== 'open') {
    return was('was reopened', 'pending', 'reopened');
  }
  if (!before) {
    const sinceCreated = Date.parse(occurredAt) - Date.parse(pr.createdAt);
    if (Math.abs(sinceCreated) <= JUST_OPENED_MS) {
      return {
        ...base,
        tone: 'pending',
        parts: [author, ' opened ', subject],
        burst: { key: 'pr:opened', noun: 'pull requests', verb: 'were opened' },
      };
    }
    return was('was updated', 'neutral', 'updated');
  }
  if (pr.ciState !== before.ciState) {
    switch (pr.ciState) {
      case 'failure':
        return {
          ...base,
          tone: 'error',
          parts: ['Checks failed on ', subject],
          burst: {
            key: 'pr:checks-failed',
            noun: 'pull requests',
            verb: 'failed their checks',
          },
        };
      case 'success':
        return {
          ...base,
          tone: 'ok',
          parts: ['Checks passed on ', subject],
          burst: {
            key: 'pr:checks-passed',
            noun: 'pull requests',
            verb: 'passed their checks',
          },
        };
      default:
        break;
    }
  }
  if (pr.reviewDecision !== before.reviewDecision) {
    switch (pr.reviewDecision) {
      case 'approved':
        return was('was approved', 'ok', 'approved');
      case 'changes_requested':
        return {
          ...base,
          tone: 'warning',
          parts: ['Changes were requested on ', subject, ' by ', author],
          burst: {
            key: 'pr:changes-requested',
            noun: 'pull requests',
            verb: 'got change requests',
          },
        };
      default:
        break;
    }
  }
  if (before.draft && !pr.draft) {
    return was('is ready for review', 'pending', 'ready');
  }
  return was('was updated', 'neutral', 'updated');
}

function runOutcome(run: WorkflowRun): {
  verb: string;
  tone: ActivityTone;
} {
  switch (run.status) {
    case 'in_progress':
      return { verb: 'started', tone: 'pending' };
    case 'waiting':
      return { verb: 'is waiting', tone: 'pending' };
    case 'queued':
    case 'requested':
    case 'pending':
      return { verb: 'is queued', tone: 'pending' };
    default:
      break;
  }
  switch (run.conclusion) {
    case 'success':
      return { verb: 'succeeded', tone: 'ok' };
    case 'failure':
      return { verb: 'failed', tone: 'error' };
    case 'timed_out':
      return { verb: 'timed out', tone: 'error' };
    case 'action_required':
      return { verb: 'needs action', tone: 'warning' };
    case 'cancelled':
      return { verb: 'was cancelled', tone: 'neutral' };
    case 'skipped':
      return { verb: 'was skipped', tone: 'neutral' };
    default:
      return { verb: 'finished', tone: 'neutral' };
  }
}

/** The plural of a run's verb, for a burst: "succeeded", "are queued". */
const RUN_BURST_VERBS: Record<string, string> = {
  'is waiting': 'are waiting',
  'is queued': 'are queued',
  'needs action': 'need action',
  'was cancelled': 'were cancelled',
  'was skipped': 'were skipped',
};

function describeRun(run: WorkflowRun): ActivitySentence {
  const { verb, tone } = runOutcome(run);
  return {
    icon: 'workflow-run',
    tone,
    parts: [{ subject: run.workflowName }, ` ${verb} on ${run.branch}`],
    link: { kind: 'external', href: run.htmlUrl },
    ...(run.runAttempt > 1 && { detail: `attempt ${run.runAttempt}` }),
    burst: {
      key: `run:${verb}`,
      noun: 'workflow runs',
      verb: RUN_BURST_VERBS[verb] ?? verb,
    },
  };
}

function describeDeployment(deployment: DeploymentPayload): ActivitySentence {
  let outcome: { verb: string; many: string; tone: ActivityTone };
  switch (deployment.state) {
    case 'success':
      outcome = { verb: 'succeeded', many: 'succeeded', tone: 'ok' };
      break;
    case 'failure':
    case 'error':
      outcome = { verb: 'failed', many: 'failed', tone: 'error' };
      break;
    case 'in_progress':
      outcome = { verb: 'started', many: 'started', tone: 'pending' };
      break;
    case 'queued':
    case 'pending':
      outcome = { verb: 'is queued', many: 'are queued', tone: 'pending' };
      break;
    case 'inactive':
      outcome = {
        verb: 'was replaced by a newer one',
        many: 'were replaced',
        tone: 'neutral',
      };
      break;
    default:
      outcome = { verb: 'was created', many: 'were created', tone: 'pending' };
  }
  const commit = deployment.sha ? deployment.sha.slice(0, 7) : '';
  return {
    icon: 'deployment',
    tone: outcome.tone,
    parts: [
      { subject: `Deploy to ${deployment.environment}` },
      ` ${outcome.verb}`,
    ],
    ...((deployment.ref || commit) && {
      detail: [deployment.ref, commit].filter(Boolean).join(' @ '),
    }),
    burst: {
      key: `deploy:${deployment.environment}:${outcome.verb}`,
      noun: `deploys to ${deployment.environment}`,
      verb: outcome.many,
    },
  };
}

const SOURCE_NAMES: Record<Incident['source'], string> = {
  alertmanager: 'Alertmanager',
  grafana: 'Grafana',
  pagerduty: 'PagerDuty',
  json: 'an alert',
  heartbeat: 'a missed heartbeat',
  manual: 'a page by hand',
};

function listOf(parts: SentencePart[]): SentencePart[] {
  const out: SentencePart[] = [];
  parts.forEach((part, index) => {
    if (index > 0) {
      out.push(index === parts.length - 1 ? ' and ' : ', ');
    }
    out.push(part);
  });
  return out;
}

function describeIncident(
  type: string,
  { incident, actor, details }: IncidentPayload,
): ActivitySentence {
  const subject = { subject: 'Incident', title: incident.title };
  const named = { subject: 'incident', title: incident.title };
  const by = actor ? { actor } : { actor: ENGINE_NAME };
  const link: ActivityLink = { kind: 'incident', id: incident.id };
  const sentence = (
    parts: SentencePart[],
    tone: ActivityTone,
    burstVerb?: string,
  ): ActivitySentence => ({
    icon: 'incident',
    tone,
    parts,
    link,
    ...(burstVerb && {
      burst: { key: type, noun: 'incidents', verb: burstVerb },
    }),
  });
  const severe =
    incident.severity === 'critical' || incident.severity === 'error'
      ? 'error'
      : 'warning';

  switch (type) {
    case 'incident.created':
      if (actor && isCatalogRef(actor)) {
        return sentence([{ actor }, ' opened ', named], severe, 'were opened');
      }
      return sentence(
        [
          subject,
          ` opened from ${SOURCE_NAMES[incident.source] ?? 'an alert'}`,
        ],
        severe,
        'were opened',
      );
    case 'incident.acknowledged':
      return sentence(
        [subject, ' acknowledged by ', by],
        'pending',
        'were acknowledged',
      );
    case 'incident.unacknowledged':
      return sentence(
        [by, ' withdrew the acknowledgement of ', named],
        'warning',
      );
    case 'incident.resolved':
      return sentence(
        actor ? [subject, ' resolved by ', { actor }] : [subject, ' resolved'],
        'ok',
        'were resolved',
      );
    case 'incident.reassigned': {
      const to =
        typeof details?.userRef === 'string'
          ? [{ actor: details.userRef }]
          : [`escalation policy ${String(details?.policyId ?? '')}`.trim()];
      return sentence([by, ' reassigned ', named, ' to ', ...to], 'pending');
    }
    case 'incident.escalated':
      return sentence([by, ' escalated ', named], 'warning');
    case 'incident.note_added': {
      const text = typeof details?.text === 'string' ? details.text : '';
      return {
        ...sentence([by, ' added a note to ', named], 'neutral'),
        ...(text && { detail: text }),
      };
    }
    case 'incident.notified': {
      const recipients = Array.isArray(details?.recipients)
        ? (details!.recipients as unknown[]).filter(
            (r): r is string => typeof r === 'string',
          )
        : [];
      const webhooks = Array.isArray(details?.webhooks)
        ? (details!.webhooks as unknown[]).filter(
            (w): w is string => typeof w === 'string',
          )
        : [];
      const paged: SentencePart[] = [
        ...recipients.map(ref => ({ actor: ref })),
        ...webhooks,
      ];
      return sentence(
        paged.length > 0
          ? ['Paged ', ...listOf(paged), ' for ', named]
          : ['Paged nobody for ', named],
        paged.length > 0 ? 'pending' : 'error',
        'were paged',
      );
    }
    case 'incident.alert_absorbed':
      return sentence(
        [
          subject,
          ` got another alert (${incident.alertCount} alert${
            incident.alertCount === 1 ? '' : 's'
          })`,
        ],
        severe,
        'got another alert',
      );
    case 'incident.flagged':
      return sentence(
        [subject, ' was flagged: an escalation step ran late'],
        'warning',
      );
    default:
      return sentence([subject, ' changed'], 'neutral');
  }
}

function describeOverride(
  type: string,
  { override, actor }: OverridePayload,
): ActivitySentence {
  const schedule = { subject: override.scheduleId };
  if (type === 'oncall.override_deleted') {
    return {
      icon: 'oncall',
      tone: 'neutral',
      parts: [
        { actor },
        ' removed the override for ',
        { actor: override.userRef },
        ' on ',
        schedule,
        ' from ',
        { time: override.start },
      ],
      link: { kind: 'oncall' },
    };
  }
  return {
    icon: 'oncall',
    tone: 'neutral',
    parts: [
      { actor: override.userRef },
      ' covers ',
      schedule,
      ' from ',
      { time: override.start },
      ' to ',
      { time: override.end },
      ...(actor !== override.userRef
        ? [', set up by ', { actor } as SentencePart]
        : []),
    ],
    link: { kind: 'oncall' },
  };
}

function describeHandoff(handoff: HandoffPayload): ActivitySentence {
  const schedule = { subject: handoff.scheduleName || handoff.scheduleId };
  if (!handoff.to) {
    return {
      icon: 'oncall',
      tone: 'error',
      parts: ['Nobody is on call for ', schedule],
      link: { kind: 'oncall' },
    };
  }
  return {
    icon: 'oncall',
    tone: 'ok',
    parts: [{ actor: handoff.to }, ' is now on call for ', schedule],
    link: { kind: 'oncall' },
  };
}

/** An activity item as a sentence; `previous` is the item before it about the same thing, if loaded. */
export function describeActivity(
  item: ActivityItem,
  previous?: ActivityItem,
): ActivitySentence {
  const payload = item.payload;
  if (item.type === 'github.pull_request.updated' && isPullRequest(payload)) {
    return describePullRequest(
      payload,
      item.occurredAt,
      isPullRequest(previous?.payload) ? previous!.payload : undefined,
    );
  }
  if (item.type === 'github.workflow_run.updated' && isWorkflowRun(payload)) {
    return describeRun(payload);
  }
  if (
    item.type === 'github.deployment.updated' &&
    isObject(payload) &&
    typeof payload.environment === 'string'
  ) {
    return describeDeployment(payload as unknown as DeploymentPayload);
  }
  if (item.type.startsWith('incident.') && isIncidentPayload(payload)) {
    return describeIncident(item.type, payload);
  }
  if (
    (item.type === 'oncall.override_created' ||
      item.type === 'oncall.override_deleted') &&
    isObject(payload) &&
    isObject(payload.override)
  ) {
    return describeOverride(item.type, payload as unknown as OverridePayload);
  }
  if (
    item.type === 'oncall.handoff' &&
    isObject(payload) &&
    typeof payload.scheduleId === 'string'
  ) {
    return describeHandoff(payload as unknown as HandoffPayload);
  }
  return {
    icon: 'other',
    tone: 'neutral',
    parts: [`Pulse recorded ${item.type}`],
  };
}

/** A burst's sentence: "12 workflow runs succeeded". */
export function burstText(
  burst: NonNullable<ActivitySentence['burst']>,
  count: number,
): string {
  return `${count} ${burst.noun} ${burst.verb}`;
}

/**
 * A sentence as plain text: titles in *asterisks*, actors by name, instants through `formatTime`
 * (ISO 8601 by default). For tests, and for screen readers where a sentence is summarised.
 */
export function sentenceText(
  sentence: ActivitySentence,
  formatTime: (iso: string) => string = iso => iso,
): string {
  return sentence.parts
    .map(part => {
      if (typeof part === 'string') return part;
      if ('subject' in part) {
        return part.title ? `${part.subject} *${part.title}*` : part.subject;
      }
      if ('actor' in part) return actorName(part.actor);
      return formatTime(part.time);
    })
    .join('');
}
