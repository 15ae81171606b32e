/**
 * What the overview card says in each line, from the answers of the cards it sums up (pure).
 */
import type {
  EntityOnCall,
  IncidentSeverity,
  PullRequestPage,
  WorkflowSummaryList,
} from '@pulse-oss/plugin-pulse-common';
import type { StatusKind } from '../StatusLabel';

export interface OverviewLine {
  kind: StatusKind;
  text: string;
}

/** Open pull requests, and those no one but their author has reviewed yet (drafts aside). */
export function pullRequestsLine(page: PullRequestPage): OverviewLine {
  const more = page.nextCursor ? '+' : '';
  const open = page.items.filter(pull => pull.state === 'open');
  if (open.length === 0) {
    return { kind: 'ok', text: 'No open pull requests' };
  }
  const waiting = open.filter(
    pull => !pull.draft && pull.firstReviewAt === null,
  ).length;
  const openText = `${open.length}${more} open`;
  return waiting > 0
    ? {
        kind: 'warning',
        text: `${openText}, ${waiting}${more} waiting for a first review`,
      }
    : { kind: 'ok', text: `${openText}, none waiting for a first review` };
}

const FAILED = new Set(['failure', 'timed_out', 'startup_failure']);

/** The default branch: red when a workflow's latest run there failed, else how the latest runs stand. */
export function ciLine(summary: WorkflowSummaryList): OverviewLine {
  const branch = summary.defaultBranch ?? 'the default branch';
  const latest = summary.items.flatMap(item =>
    item.latestRun ? [item.latestRun] : [],
  );
  if (latest.length === 0) {
    return { kind: 'pending', text: `No runs on ${branch} yet` };
  }
  const failed = latest.filter(
    run => run.conclusion !== null && FAILED.has(run.conclusion),
  );
  if (failed.length > 0) {
    return {
      kind: 'error',
      text: `${branch} is red: ${failed
        .map(run => run.workflowName)
        .join(', ')}`,
    };
  }
  if (latest.some(run => run.status !== 'completed')) {
    return { kind: 'running', text: `${branch}: runs in progress` };
  }
  return { kind: 'ok', text: `${branch} is green` };
}

const SEVERITY_ORDER: IncidentSeverity[] = [
  'critical',
  'error',
  'warning',
  'info',
];

/** Open incidents, most severe first. */
export function incidentsLine(onCall: EntityOnCall): OverviewLine {
  const open = onCall.openIncidents;
  if (open.length === 0) {
    return { kind: 'ok', text: 'No open incidents' };
  }
  const counts = SEVERITY_ORDER.flatMap(severity => {
    const count = open.filter(
      incident => incident.severity === severity,
    ).length;
    return count > 0 ? [`${count} ${severity}`] : [];
  });
  const unacknowledged = open.filter(
    incident => incident.status === 'triggered',
  ).length;
  return {
    kind:
      unacknowledged > 0 || open.some(i => i.severity === 'critical')
        ? 'error'
        : 'warning',
    text: `${open.length} open (${counts.join(', ')})${
      unacknowledged > 0 ? `, ${unacknowledged} not acknowledged` : ''
    }`,
  };
}
