import {
  EntityOnCall,
  EscalationStepView,
  Incident,
} from '@pulse-oss/plugin-pulse-common';
import { WebhookConfig } from './config';
import { EscalationPolicy } from './escalation';
import { PolicyChoice } from './policies';
import { OnCallView } from './schedules/OnCallView';

function stepViews(
  policy: EscalationPolicy,
  view: OnCallView,
  webhooks: Map<string, WebhookConfig>,
): EscalationStepView[] {
  return policy.steps.map(step => ({
    delayMinutes: step.delayMinutes,
    ...(step.roundRobin && { roundRobin: true }),
    targets: step.targets.map(target => {
      switch (target.type) {
        case 'schedule':
          return {
            type: 'schedule' as const,
            scheduleId: target.scheduleId,
            name: view.schedule(target.scheduleId)?.name ?? target.scheduleId,
            currentUserRef:
              view.onCall(target.scheduleId, view.at)?.userRef ?? null,
          };
        case 'user':
          return { type: 'user' as const, userRef: target.userRef };
        case 'group':
          return { type: 'group' as const, groupRef: target.groupRef };
        default:
          // The URL may hold a secret: show the configured name only.
          return {
            type: 'webhook' as const,
            name: webhooks.get(target.url)?.name ?? 'webhook',
          };
      }
    }),
  }));
}

/**
 * Who is on call for an entity: its policy and how it was chosen, who the first step pages now
 * (the first schedule target's on-call, else the first user) and who takes over next.
 */
export function describeEntityOnCall(options: {
  entityRef: string;
  choice: PolicyChoice;
  view: OnCallView;
  webhooks: Map<string, WebhookConfig>;
  openIncidents: Incident[];
}): Omit<EntityOnCall, 'version'> {
  const { entityRef, choice, view, webhooks, openIncidents } = options;
  const policy = choice.policy;
  let now: EntityOnCall['now'] = {
    userRef: null,
    until: null,
    scheduleId: null,
  };
  let next: EntityOnCall['next'] = null;
  const firstTargets = policy?.steps[0]?.targets ?? [];
  const schedule = firstTargets.find(t => t.type === 'schedule');
  const user = firstTargets.find(t => t.type === 'user');
  if (schedule?.type === 'schedule') {
    const onCall = view.onCall(schedule.scheduleId, view.at, 14);
    if (onCall) {
      now = {
        userRef: onCall.userRef,
        until: onCall.shift.end,
        scheduleId: schedule.scheduleId,
      };
      next = onCall.nextShift
        ? { userRef: onCall.nextShift.userRef, from: onCall.nextShift.start }
        : null;
    }
  } else if (user?.type === 'user') {
    now = { userRef: user.userRef, until: null, scheduleId: null };
  }
  return {
    entityRef,
    policy:
      policy && choice.chosenBy
        ? {
            id: policy.id,
            name: policy.name,
            chosenBy: choice.chosenBy,
            repeat: policy.repeat,
            steps: stepViews(policy, view, webhooks),
          }
        : null,
    problem: choice.problem,
    now,
    next,
    openIncidents,
  };
}
