import { JOBS_PER_RUN_SLOT, entityId } from './ids';
import { Random } from './random';
import { RepositoryState } from './RepositoryState';
import { CheckRunConclusion, SimCheckRun, SimWorkflowRun } from './types';

/**
 * Check runs are the jobs of GitHub Actions workflow runs, so they are derived
 * from the run instead of being stored: a queued run has no jobs yet, an
 * in-progress run has in-progress jobs, and a failed run has one failing job
 * with the jobs after it skipped.
 */
export function checkRunsForRun(
  run: SimWorkflowRun,
  repositoryIndex: number,
): SimCheckRun[] {
  if (run.status === 'queued') {
    return [];
  }
  const jobs = run.workflow.jobs;
  const failingJob =
    run.conclusion === 'failure'
      ? Random.from('failing-job', run.id).int(0, jobs.length - 1)
      : -1;
  return jobs.map((name, jobIndex) => {
    const id = entityId(
      'checkRun',
      repositoryIndex,
      run.sequence * JOBS_PER_RUN_SLOT + jobIndex,
    );
    const base = {
      id,
      name,
      headSha: run.headSha,
      startedAt: run.runStartedAt,
      run,
      jobIndex,
    };
    if (run.status !== 'completed' || run.completedAt === null) {
      return {
        ...base,
        status: 'in_progress',
        conclusion: null,
        completedAt: null,
      };
    }
    let conclusion: CheckRunConclusion = run.conclusion ?? 'success';
    if (failingJob >= 0) {
      if (jobIndex < failingJob) {
        conclusion = 'success';
      } else if (jobIndex > failingJob) {
        conclusion = 'skipped';
      }
    }
    const finishOffset = ((run.id + jobIndex * 7919) % 30) * 1000;
    return {
      ...base,
      status: 'completed',
      conclusion,
      completedAt: Math.max(run.runStartedAt, run.completedAt - finishOffset),
    };
  });
}

export function checkRunsForSha(
  state: RepositoryState,
  sha: string,
): SimCheckRun[] {
  const runs = state.runsByHeadSha.get(sha) ?? [];
  const checkRuns: SimCheckRun[] = [];
  for (const run of runs) {
    checkRuns.push(...checkRunsForRun(run, state.repository.index));
  }
  return checkRuns;
}
