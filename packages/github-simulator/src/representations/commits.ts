import { nodeId } from '../data/ids';
import { RepositoryState } from '../data/RepositoryState';
import { SimCommit, SimDraftEvent, SimPullRequest } from '../data/types';
import { commitAuthorOf } from '../data/factories';
import {
  Json,
  UrlContext,
  isoTime,
  repositoryApiUrl,
  repositoryHtmlUrl,
  userJson,
} from './common';
import { treeSha } from './actions';

/** A commit as `GET /repos/{owner}/{repo}/commits` and `.../pulls/{n}/commits` list it. */
export function commitJson(
  ctx: UrlContext,
  state: RepositoryState,
  commit: SimCommit,
): Json {
  const api = repositoryApiUrl(ctx, state);
  const html = repositoryHtmlUrl(ctx, state);
  return {
    sha: commit.sha,
    node_id: Buffer.from(`04:Commit${commit.sha}`).toString('base64'),
    commit: {
      author: {
        ...commitAuthorOf(commit.author),
        date: isoTime(commit.authoredAt),
      },
      committer: {
        ...commitAuthorOf(commit.committer),
        date: isoTime(commit.committedAt),
      },
      message: commit.message,
      tree: {
        sha: treeSha(commit.sha),
        url: `${api}/git/trees/${treeSha(commit.sha)}`,
      },
      url: `${api}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    },
    url: `${api}/commits/${commit.sha}`,
    html_url: `${html}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    author: userJson(ctx, commit.author),
    committer: userJson(ctx, commit.committer),
    parents: commit.parents.map(sha => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${html}/commit/${sha}`,
    })),
  };
}

/** A draft transition as the issue timeline lists it. */
export function draftTimelineEventJson(
  ctx: UrlContext,
  state: RepositoryState,
  pull: SimPullRequest,
  event: SimDraftEvent,
  position: number,
): Json {
  const id = pull.id * 100 + position;
  return {
    id,
    node_id: nodeId(
      event.event === 'ready_for_review'
        ? 'ReadyForReviewEvent'
        : 'ConvertToDraftEvent',
      id,
    ),
    url: `${repositoryApiUrl(ctx, state)}/issues/events/${id}`,
    actor: userJson(ctx, event.actor),
    event: event.event,
    commit_id: null,
    commit_url: null,
    created_at: isoTime(event.at),
    performed_via_github_app: null,
  };
}
