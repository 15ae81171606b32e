/**
 * Pull request flow, for the pull requests merged in the window (bots' excluded, by
 * `pulse.metrics.botLogins`), in percentiles (p50, p75, p90), never averages:
 * - coding: first commit's author date → opened;
 * - pickup: ready for review → first review by someone other than the author and not a bot;
 * - review: that first review → merged;
 * - deploy: merged → the production deployment that shipped it (see `leadTime.ts`; pull
 *   requests an environment's first deployment shipped are baselined and measure no deploy time).
 * A phase whose start or end is unknown measures nothing for that pull request. Also: size
 * buckets by changed lines (additions + deletions: S < 100, M 100–399, L 400–799, XL ≥ 800),
 * the pull requests merged without an approving review by a non-author, and the age of the
 * pull requests open now.
 */
import { BotMatcher } from './bots';
import { inWindow, MetricsWindow } from './days';
import { percentile } from './percentiles';

export interface ReviewFact {
  reviewerLogin: string;
  /** GitHub's review state: `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`. */
  state: string;
  submittedAt: Date | null;
}

export interface PullRequestFact {
  number: number;
  authorLogin: string;
  state: 'open' | 'closed' | 'merged';
  createdAt: Date;
  readyForReviewAt: Date | null;
  firstCommitAt: Date | null;
  mergedAt: Date | null;
  additions: number;
  deletions: number;
  reviews: readonly ReviewFact[];
}

export type SizeBucket = 'S' | 'M' | 'L' | 'XL';

export const FLOW_PHASES = ['coding', 'pickup', 'review', 'deploy'] as const;
export type FlowPhase = (typeof FLOW_PHASES)[number];

export interface PhaseSummary {
  sample: number;
  p50Seconds: number | null;
  p75Seconds: number | null;
  p90Seconds: number | null;
}

export interface PullRequestFlowEntry {
  number: number;
  size: SizeBucket;
  changedLines: number;
  approved: boolean;
  /** Seconds per phase; `null` where the phase's start or end is unknown. */
  phases: Record<FlowPhase, number | null>;
}

export interface PullRequestFlow {
  merged: PullRequestFlowEntry[];
  phases: Record<FlowPhase, PhaseSummary>;
  sizes: Record<SizeBucket, number>;
  mergedWithoutApproval: number[];
  open: { count: number; ages: PhaseSummary };
  /** Pull requests by bots left out of every figure. */
  botPullRequests: number;
}

export function sizeBucket(changedLines: number): SizeBucket {
  if (changedLines < 100) {
    return 'S';
  }
  if (changedLines < 400) {
    return 'M';
  }
  return changedLines < 800 ? 'L' : 'XL';
}

export function summarisePhase(seconds: readonly number[]): PhaseSummary {
  return {
    sample: seconds.length,
    p50Seconds: percentile(seconds, 50),
    p75Seconds: percentile(seconds, 75),
    p90Seconds: percentile(seconds, 90),
  };
}

const between = (from: Date | null | undefined, to: Date | null | undefined) =>
  from && to ? Math.max(0, (to.getTime() - from.getTime()) / 1000) : null;

/** Reviews by someone other than the author and not a bot, submitted by `until`, oldest first. */
function peerReviews(pull: PullRequestFact, isBot: BotMatcher, until: Date) {
  const author = pull.authorLogin.toLowerCase();
  return pull.reviews
    .filter(
      review =>
        review.submittedAt !== null &&
        review.submittedAt.getTime() <= until.getTime() &&
        review.reviewerLogin.toLowerCase() !== author &&
        !isBot(review.reviewerLogin),
    )
    .sort((a, b) => a.submittedAt!.getTime() - b.submittedAt!.getTime());
}

export function pullRequestFlow(
  window: MetricsWindow,
  pulls: readonly PullRequestFact[],
  isBot: BotMatcher,
  /** When each merged pull request was deployed to production, by number (not baselined). */
  deployedAt: ReadonlyMap<number, Date>,
): PullRequestFlow {
  const merged: PullRequestFlowEntry[] = [];
  const openAges: number[] = [];
  let botPullRequests = 0;
  for (const pull of pulls) {
    const counted =
      pull.state === 'open' ||
      (pull.mergedAt !== null && inWindow(window, pull.mergedAt));
    if (!counted) {
      continue;
    }
    if (isBot(pull.authorLogin)) {
      botPullRequests += 1;
      continue;
    }
    if (pull.state === 'open') {
      openAges.push(between(pull.createdAt, window.end) ?? 0);
      continue;
    }
    const mergedAt = pull.mergedAt!;
    const reviews = peerReviews(pull, isBot, mergedAt);
    const firstReviewAt = reviews[0]?.submittedAt ?? null;
    const changedLines = pull.additions + pull.deletions;
    merged.push({
      number: pull.number,
      size: sizeBucket(changedLines),
      changedLines,
      approved: reviews.some(review => review.state === 'APPROVED'),
      phases: {
        coding: between(pull.firstCommitAt, pull.createdAt),
        pickup: between(pull.readyForReviewAt, firstReviewAt),
        review: between(firstReviewAt, mergedAt),
        deploy: between(mergedAt, deployedAt.get(pull.number)),
      },
    });
  }
  merged.sort((a, b) => a.number - b.number);
  const phaseSeconds = (phase: FlowPhase) =>
    merged.flatMap(entry =>
      entry.phases[phase] === null ? [] : [entry.phases[phase]!],
    );
  const sizes: Record<SizeBucket, number> = { S: 0, M: 0, L: 0, XL: 0 };
  for (const entry of merged) {
    sizes[entry.size] += 1;
  }
  return {
    merged,
    phases: {
      coding: summarisePhase(phaseSeconds('coding')),
      pickup: summarisePhase(phaseSeconds('pickup')),
      review: summarisePhase(phaseSeconds('review')),
      deploy: summarisePhase(phaseSeconds('deploy')),
    },
    sizes,
    mergedWithoutApproval: merged
      .filter(entry => !entry.approved)
      .map(entry => entry.number),
    open: { count: openAges.length, ages: summarisePhase(openAges) },
    botPullRequests,
  };
}
