import { RepositoryState } from '../data/RepositoryState';
import { SimLabel, SimLicense, SimUser } from '../data/types';

/** Base URLs that API representations point at. */
export interface UrlContext {
  /** REST API root, e.g. `http://127.0.0.1:3000` or `.../api/v3`. */
  api: string;
  /** Web UI root, e.g. `https://github.com`. */
  html: string;
}

export type Json = Record<string, unknown>;

/** GitHub's timestamp format: ISO 8601 in UTC without milliseconds. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isoTimeOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : isoTime(epochMs);
}

export function repositoryApiUrl(ctx: UrlContext, state: RepositoryState) {
  return `${ctx.api}/repos/${state.fullName}`;
}

export function repositoryHtmlUrl(ctx: UrlContext, state: RepositoryState) {
  return `${ctx.html}/${state.fullName}`;
}

function userHtmlUrl(ctx: UrlContext, user: SimUser): string {
  if (user.type === 'Bot') {
    return `${ctx.html}/apps/${user.login.replace(/\[bot\]$/, '')}`;
  }
  return `${ctx.html}/${user.login}`;
}

export function userAvatarUrl(user: SimUser): string {
  return `https://avatars.githubusercontent.com/u/${user.id}?v=4`;
}

/** `simple-user` in the REST API, `user` in webhook payloads. */
export function userJson(ctx: UrlContext, user: SimUser): Json {
  const api = `${ctx.api}/users/${encodeURIComponent(user.login)}`;
  return {
    login: user.login,
    id: user.id,
    node_id: user.nodeId,
    avatar_url: userAvatarUrl(user),
    gravatar_id: '',
    url: api,
    html_url: userHtmlUrl(ctx, user),
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    site_admin: false,
  };
}

export function organizationJson(ctx: UrlContext, owner: SimUser): Json {
  const api = `${ctx.api}/orgs/${owner.login}`;
  return {
    login: owner.login,
    id: owner.id,
    node_id: owner.nodeId,
    url: api,
    repos_url: `${api}/repos`,
    events_url: `${api}/events`,
    hooks_url: `${api}/hooks`,
    issues_url: `${api}/issues`,
    members_url: `${api}/members{/member}`,
    public_members_url: `${api}/public_members{/member}`,
    avatar_url: userAvatarUrl(owner),
    description: null,
  };
}

export function licenseJson(ctx: UrlContext, license: SimLicense | null) {
  if (!license) {
    return null;
  }
  return {
    key: license.key,
    name: license.name,
    spdx_id: license.spdxId,
    url: `${ctx.api}/licenses/${license.key}`,
    node_id: license.nodeId,
  };
}

export function labelJson(
  ctx: UrlContext,
  state: RepositoryState,
  label: SimLabel,
): Json {
  return {
    id: label.id,
    node_id: label.nodeId,
    url: `${repositoryApiUrl(ctx, state)}/labels/${encodeURIComponent(
      label.name,
    )}`,
    name: label.name,
    description: label.description,
    color: label.color,
    default: label.isDefault,
  };
}

/**
 * The URL fields every repository representation carries (the
 * `repository-lite` / `minimal-repository` set).
 */
function repositoryUrls(ctx: UrlContext, state: RepositoryState): Json {
  const api = repositoryApiUrl(ctx, state);
  return {
    html_url: repositoryHtmlUrl(ctx, state),
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
  };
}

/** `minimal-repository` in REST, `repository-lite` in webhook payloads. */
export function repositoryLiteJson(
  ctx: UrlContext,
  state: RepositoryState,
): Json {
  const repository = state.repository;
  return {
    id: repository.id,
    node_id: repository.nodeId,
    name: repository.name,
    full_name: repository.fullName,
    private: repository.isPrivate,
    owner: userJson(ctx, repository.owner),
    description: repository.description,
    fork: false,
    ...repositoryUrls(ctx, state),
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}

const repositoryJsonMemo = new WeakMap<
  RepositoryState,
  { key: string; json: Json }
>();

/**
 * The `repository` shape: REST's `repository` (used in pull request heads)
 * and the webhook `repository` object, which allows no other fields.
 *
 * Every pull request embeds it twice, so it is built once per repository
 * version and shared (frozen) between representations.
 */
export function repositoryJson(ctx: UrlContext, state: RepositoryState): Json {
  const key = `${ctx.api}|${ctx.html}|${state.currentVersion}`;
  const memo = repositoryJsonMemo.get(state);
  if (memo?.key === key) {
    return memo.json;
  }
  const json = deepFreeze(buildRepositoryJson(ctx, state));
  repositoryJsonMemo.set(state, { key, json });
  return json;
}

function buildRepositoryJson(ctx: UrlContext, state: RepositoryState): Json {
  const repository = state.repository;
  const host = new URL(ctx.html).host;
  const openIssues = state.openPullCount() + state.openIssuesWithoutPulls;
  return {
    ...repositoryLiteJson(ctx, state),
    created_at: isoTime(repository.createdAt),
    updated_at: isoTime(repository.updatedAt),
    pushed_at: isoTime(repository.pushedAt),
    git_url: `git://${host}/${repository.fullName}.git`,
    ssh_url: `git@${host}:${repository.fullName}.git`,
    clone_url: `${ctx.html}/${repository.fullName}.git`,
    svn_url: `${ctx.html}/${repository.fullName}`,
    homepage: repository.homepage,
    size: repository.size,
    stargazers_count: repository.stargazersCount,
    watchers_count: repository.stargazersCount,
    language: repository.language,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    forks_count: repository.forksCount,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: openIssues,
    license: licenseJson(ctx, repository.license),
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: repository.topics,
    visibility: repository.isPrivate ? 'private' : 'public',
    forks: repository.forksCount,
    open_issues: openIssues,
    watchers: repository.stargazersCount,
    default_branch: repository.defaultBranch,
    custom_properties: {},
  };
}

/** REST `full-repository` (GET /repos/{owner}/{repo}). */
export function fullRepositoryJson(
  ctx: UrlContext,
  state: RepositoryState,
): Json {
  return {
    ...repositoryJson(ctx, state),
    permissions: {
      admin: false,
      maintain: false,
      push: false,
      triage: false,
      pull: true,
    },
    temp_clone_token: null,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    allow_auto_merge: false,
    delete_branch_on_merge: true,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
    squash_merge_commit_message: 'COMMIT_MESSAGES',
    merge_commit_title: 'MERGE_MESSAGE',
    merge_commit_message: 'PR_TITLE',
    organization:
      state.repository.owner.type === 'Organization'
        ? userJson(ctx, state.repository.owner)
        : undefined,
    network_count: state.repository.forksCount,
    subscribers_count: state.repository.subscribersCount,
  };
}

/** The GitHub Actions app as GitHub reports it on check runs and deployments. */
export function githubActionsAppJson(
  ctx: UrlContext,
  githubOrg: SimUser,
): Json {
  return {
    id: 15368,
    slug: 'github-actions',
    node_id: 'MDM6QXBwMTUzNjg=',
    owner: userJson(ctx, githubOrg),
    name: 'GitHub Actions',
    description: 'Automate your workflow from idea to production',
    external_url: 'https://help.github.com/en/actions',
    html_url: `${ctx.html}/apps/github-actions`,
    created_at: '2018-07-30T09:30:17Z',
    updated_at: '2024-04-10T20:33:16Z',
    permissions: {
      actions: 'write',
      checks: 'write',
      contents: 'write',
      deployments: 'write',
      issues: 'write',
      metadata: 'read',
      pull_requests: 'write',
      statuses: 'write',
    },
    events: [
      'check_run',
      'check_suite',
      'deployment',
      'deployment_status',
      'pull_request',
      'push',
      'status',
      'workflow_run',
    ],
  };
}
