import { mockServices } from '@backstage/backend-test-utils';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { TaskRunRequests } from './TaskRunRequests';

/** A task worker as the scheduler's: a trigger is refused while the task is not waiting. */
function harness() {
  const retries: Array<() => void> = [];
  const state = { waiting: true, triggers: 0, refused: 0 };
  const requests = new TaskRunRequests({
    describe: 'test run',
    trigger: async () => {
      if (!state.waiting) {
        state.refused += 1;
        throw new ConflictError('Task pulse-oncall-escalation is running');
      }
      state.triggers += 1;
    },
    retryLater: retry => retries.push(retry),
    logger: mockServices.logger.mock(),
  });
  const settle = () => new Promise(resolve => setImmediate(resolve));
  return { requests, retries, state, settle };
}

describe('TaskRunRequests', () => {
  it('triggers the task when it is waiting for its next tick', async () => {
    const { requests, state, retries, settle } = harness();
    requests.request();
    await settle();
    expect(state.triggers).toBe(1);
    expect(retries).toHaveLength(0);
  });

  it('runs once more when a request arrives after the run read what was due', async () => {
    const { requests, state, settle } = harness();
    state.waiting = false;
    const rounds: number[] = [];
    let round = 0;
    await requests.runWhileRequested(async () => {
      round += 1;
      rounds.push(round);
      if (round === 1) {
        // An escalation committed while this round is under way.
        requests.request();
        await settle();
      }
    });
    expect(rounds).toEqual([1, 2]);
    expect(state.refused).toBe(0);
  });

  it('stops going round when the task is aborted', async () => {
    const { requests } = harness();
    const controller = new AbortController();
    let rounds = 0;
    await requests.runWhileRequested(async () => {
      rounds += 1;
      requests.request();
      controller.abort();
    }, controller.signal);
    expect(rounds).toBe(1);
  });

  it('retries a request refused between two runs until the task takes it', async () => {
    const { requests, state, retries, settle } = harness();
    // The run has ended but the worker has not started waiting yet.
    state.waiting = false;
    requests.request();
    requests.request();
    await settle();
    expect(state.refused).toBe(2);
    expect(retries).toHaveLength(1);

    retries.shift()!();
    await settle();
    expect(state.refused).toBe(3);
    expect(retries).toHaveLength(1);

    state.waiting = true;
    retries.shift()!();
    await settle();
    expect(state.triggers).toBe(1);
    expect(retries).toHaveLength(0);
  });

  it('turns a retry into another round when a run has begun meanwhile', async () => {
    const { requests, state, retries, settle } = harness();
    state.waiting = false;
    requests.request();
    await settle();
    let rounds = 0;
    await requests.runWhileRequested(async () => {
      rounds += 1;
      if (rounds === 1) {
        retries.shift()!();
        await settle();
      }
    });
    expect(rounds).toBe(2);
    expect(state.triggers).toBe(0);
  });

  it('does not retry what the scheduler cannot trigger at all', async () => {
    const retries: Array<() => void> = [];
    const requests = new TaskRunRequests({
      describe: 'test run',
      trigger: async () => {
        throw new NotFoundError('No task pulse-oncall-escalation');
      },
      retryLater: retry => retries.push(retry),
      logger: mockServices.logger.mock(),
    });
    requests.request();
    await new Promise(resolve => setImmediate(resolve));
    expect(retries).toHaveLength(0);
  });
});
