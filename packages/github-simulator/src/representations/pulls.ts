import { nodeId } from '../data/ids';
import { RepositoryState } from '../data/RepositoryState';
import { SimPullRequest, SimReview } from '../data/types';
import {
  Json,
  UrlContext,
  isoTime,
  isoTimeOrNull,
  labelJson,
  repositoryApiUrl,
  repositoryHtmlUrl,
  repositoryJson,
  userJson,
} from './common';

function branchJson(
  ctx: UrlContext,
  state: RepositoryState,
  ref: string,
  sha: string,
): Json {
  const owner = state.repository.owner;
  return {
    label: `${owner.login}:${ref}`,
    ref,
    sha,
    user: userJson(ctx, owner),
    repo: repositoryJson(ctx, state),
  };
}

/**
 * REST `pull-request-simple` (list items), also the webhook
 * `simple-pull-request` used by review events.
 */
export function pullRequestSimpleJson(
  ctx: UrlContext,
  state: RepositoryState,
  pull: SimPullRequest,
): Json {
  const api = `${repositoryApiUrl(ctx, state)}/pulls/${pull.number}`;
  const html = `${repositoryHtmlUrl(ctx, state)}/pull/${pull.number}`;
  const issue = `${repositoryApiUrl(ctx, state)}/issues/${pull.number}`;
  const links = {
    self: api,
    html,
    issue,
    comments: `${issue}/comments`,
    review_comments: `${api}/comments`,
    review_comment: `${repositoryApiUrl(ctx, state)}/pulls/comments{/number}`,
    commits: `${api}/commits`,
    statuses: `${repositoryApiUrl(ctx, state)}/statuses/${pull.headSha}`,
  };
  return {
    url: api,
    id: pull.id,
    node_id: nodeId('PullRequest', pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    commits_url: links.commits,
    review_comments_url: links.review_comments,
    review_comment_url: links.review_comment,
    comments_url: links.comments,
    statuses_url: links.statuses,
    number: pull.number,
    state: pull.state,
    locked: pull.locked,
    title: pull.title,
    user: userJson(ctx, pull.author),
    body: pull.body,
    labels: pull.labels.map(label => labelJson(ctx, state, label)),
    milestone: null,
    active_lock_reason: null,
    created_at: isoTime(pull.createdAt),
    updated_at: isoTime(pull.updatedAt),
    closed_at: isoTimeOrNull(pull.closedAt),
    merged_at: isoTimeOrNull(pull.mergedAt),
    merge_commit_sha: pull.mergeCommitSha,
    assignee: pull.assignees[0] ? userJson(ctx, pull.assignees[0]) : null,
    assignees: pull.assignees.map(user => userJson(ctx, user)),
    requested_reviewers: pull.requestedReviewers.map(user =>
      userJson(ctx, user),
    ),
    requested_teams: [],
    head: branchJson(ctx, state, pull.headRef, pull.headSha),
    base: branchJson(ctx, state, pull.baseRef, pull.baseSha),
    _links: Object.fromEntries(
      Object.entries(links).map(([name, href]) => [name, { href }]),
    ),
    author_association: pull.authorAssociation,
    auto_merge: null,
    draft: pull.draft,
  };
}

function mergeability(
  state: RepositoryState,
  pull: SimPullRequest,
): { mergeable: boolean | null; mergeableState: string } {
  if (pull.state === 'closed') {
    return { mergeable: null, mergeableState: 'unknown' };
  }
  if (pull.draft) {
    return { mergeable: true, mergeableState: 'draft' };
  }
  const reviews = state.reviews.get(pull.number) ?? [];
  const approved = reviews.some(review => review.state === 'APPROVED');
  const blocked = reviews.some(review => review.state === 'CHANGES_REQUESTED');
  if (blocked || !approved) {
    return { mergeable: true, mergeableState: 'blocked' };
  }
  return { mergeable: true, mergeableState: 'clean' };
}

/** REST `pull-request` (single pull request) and webhook `pull_request`. */
export function pullRequestJson(
  ctx: UrlContext,
  state: RepositoryState,
  pull: SimPullRequest,
): Json {
  const { mergeable, mergeableState } = mergeability(state, pull);
  return {
    ...pullRequestSimpleJson(ctx, state, pull),
    merged: pull.mergedAt !== null,
    mergeable,
    rebaseable: mergeable,
    mergeable_state: mergeableState,
    merged_by: pull.mergedBy ? userJson(ctx, pull.mergedBy) : null,
    comments: pull.comments,
    review_comments: pull.reviewComments,
    maintainer_can_modify: false,
    commits: pull.commits,
    additions: pull.additions,
    deletions: pull.deletions,
    changed_files: pull.changedFiles,
  };
}

/**
 * REST `pull-request-review`; webhooks use the same shape with the state in
 * lower case.
 */
export function reviewJson(
  ctx: UrlContext,
  state: RepositoryState,
  review: SimReview,
  stateCase: 'rest' | 'webhook' = 'rest',
): Json {
  const pullApi = `${repositoryApiUrl(ctx, state)}/pulls/${review.pullNumber}`;
  const html = `${repositoryHtmlUrl(ctx, state)}/pull/${
    review.pullNumber
  }#pullrequestreview-${review.id}`;
  return {
    id: review.id,
    node_id: nodeId('PullRequestReview', review.id),
    user: userJson(ctx, review.user),
    body: review.body,
    state: stateCase === 'rest' ? review.state : review.state.toLowerCase(),
    html_url: html,
    pull_request_url: pullApi,
    author_association: review.authorAssociation,
    _links: { html: { href: html }, pull_request: { href: pullApi } },
    submitted_at: isoTime(review.submittedAt),
    commit_id: review.commitId,
  };
}

/** `pull-request-minimal`, as embedded in workflow and check runs. */
export function pullRequestMinimalJson(
  ctx: UrlContext,
  state: RepositoryState,
  pull: SimPullRequest,
): Json {
  const repo = {
    id: state.repository.id,
    url: repositoryApiUrl(ctx, state),
    name: state.repository.name,
  };
  return {
    url: `${repositoryApiUrl(ctx, state)}/pulls/${pull.number}`,
    id: pull.id,
    number: pull.number,
    head: { ref: pull.headRef, sha: pull.headSha, repo },
    base: { ref: pull.baseRef, sha: pull.baseSha, repo },
  };
}
