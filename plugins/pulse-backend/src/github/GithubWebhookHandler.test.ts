import { mockServices, TestDatabaseId } from '@backstage/backend-test-utils';
import { WebhookEvent } from '@internal/github-simulator';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import {
  createHarness,
  databaseSnapshot,
  Harness,
  pullState,
  trackedEntity,
} from './__testUtils__/harness';
import { GITHUB_EVENT_TYPES } from './responses';
import {
  GITHUB_WEBHOOK_TOPICS,
  GithubWebhookHandler,
} from './GithubWebhookHandler';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function asEventParams(event: WebhookEvent, deliveryId = event.deliveryId) {
  return {
    topic: `github.${event.name}`,
    eventPayload: event.payload,
    metadata: {
      'x-github-event': event.name,
      'x-github-delivery': deliveryId,
    },
  };
}

function handlerFor(h: Harness) {
  return new GithubWebhookHandler({
    store: h.store,
    publisher: h.publisher,
    targets: h.engine,
    logger: mockServices.logger.mock(),
    clock: h.clock,
  });
}

/** Pull requests and runs, without what only polling maintains (ETags, CI of closed heads). */
function comparable(snapshot: Awaited<ReturnType<typeof databaseSnapshot>>) {
  return {
    pullRequests: snapshot.pullRequests.map(pull =>
      pull.state === 'open' ? pull : { ...pull, ci_state: undefined },
    ),
    runs: snapshot.runs,
    reviews: snapshot.reviews,
  };
}

describe.each(databases.eachSupportedId())(
  'GithubWebhookHandler on %s',
  databaseId => {
    async function backfilled(id: TestDatabaseId = databaseId) {
      const h = await createHarness({
        knex: await databases.init(id),
        repositories: ['acme/web'],
      });
      expect((await h.engine.runCycle()).outcomes.synced).toBe(1);
      return h;
    }

    it('applies deliveries at once, to the state a poll would reach, each only once', async () => {
      const h = await backfilled();
      const handler = handlerFor(h);
      const events: WebhookEvent[] = [];
      for (let i = 0; i < 40; i++) {
        events.push(...h.sim.tick());
      }
      expect([...new Set(events.map(e => e.name))]).toEqual(
        expect.arrayContaining([
          'pull_request',
          'pull_request_review',
          'workflow_run',
          'check_run',
          'deployment',
          'deployment_status',
        ]),
      );
      const before = (await h.publisher.list({ limit: 100_000 })).length;
      const outcomes = [];
      for (const event of events) {
        outcomes.push(await handler.handle(asEventParams(event)));
      }
      expect(outcomes.filter(o => o === 'applied').length).toBeGreaterThan(
        events.length / 2,
      );
      expect(outcomes).not.toContain('malformed');

      const published = (await h.publisher.list({ limit: 100_000 })).slice(
        before,
      );
      expect(published.map(e => e.type)).toEqual(
        expect.arrayContaining([
          GITHUB_EVENT_TYPES.pullRequestUpdated,
          GITHUB_EVENT_TYPES.workflowRunUpdated,
          GITHUB_EVENT_TYPES.deploymentUpdated,
        ]),
      );
      expect(
        published.every(e => e.entityRef === 'component:default/web'),
      ).toBe(true);

      // What the webhooks wrote equals what a full poll of GitHub now finds.
      const afterWebhooks = await databaseSnapshot(h.knex);
      const polled = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web'],
        simulator: h.sim,
      });
      // A poll that failed (e.g. GitHub slow to send a page) would make the comparison meaningless.
      expect((await polled.engine.runCycle()).outcomes.synced).toBe(1);
      expect(comparable(afterWebhooks)).toEqual(
        comparable(await databaseSnapshot(polled.knex)),
      );
      await polled.stop();

      // Redelivered duplicates change nothing and publish nothing.
      const count = (await h.publisher.list({ limit: 100_000 })).length;
      for (const event of events.slice(0, 20)) {
        expect(await handler.handle(asEventParams(event))).toBe('duplicate');
      }
      expect((await h.publisher.list({ limit: 100_000 })).length).toBe(count);
      expect(await databaseSnapshot(h.knex)).toEqual(afterWebhooks);
      await h.stop();
    });

    it('stores a deployment from its creation, and a late creation event keeps the status', async () => {
      const h = await backfilled();
      const handler = handlerFor(h);
      const events: WebhookEvent[] = [];
      while (!events.some(e => e.name === 'deployment_status')) {
        events.push(...h.sim.tick());
      }
      const status = events.find(e => e.name === 'deployment_status')!;
      const deploymentId = (status.payload.deployment as { id: number }).id;
      const created = events.find(
        e =>
          e.name === 'deployment' &&
          (e.payload.deployment as { id: number }).id === deploymentId,
      )!;

      expect(await handler.handle(asEventParams(created))).toBe('applied');
      const afterCreation = await h.knex('pulse_github_deployments').where({
        id: deploymentId,
      });
      expect(afterCreation).toHaveLength(1);
      expect(afterCreation[0].state).toBeNull();

      expect(await handler.handle(asEventParams(status))).toBe('applied');
      const state = (status.payload.deployment_status as { state: string })
        .state;
      // The same creation, delivered again under another id (a redelivery), changes nothing.
      expect(
        await handler.handle(
          asEventParams(created, `${created.deliveryId}-again`),
        ),
      ).toBe('unchanged');
      const [row] = await h.knex('pulse_github_deployments').where({
        id: deploymentId,
      });
      expect(row.state).toBe(state);
      await h.stop();
    });

    it('keeps when a deployment succeeded once it is inactive, whatever order the statuses come in', async () => {
      const h = await backfilled();
      const handler = handlerFor(h);
      const events: WebhookEvent[] = [];
      while (!events.some(e => e.name === 'deployment_status')) {
        events.push(...h.sim.tick());
      }
      const template = events.find(e => e.name === 'deployment_status')!;
      const deployment = template.payload.deployment as { id: number };
      const statusEvent = (id: number, state: string, createdAt: string) => ({
        ...template,
        deliveryId: `status-${deployment.id}-${id}`,
        payload: {
          ...template.payload,
          deployment_status: {
            ...(template.payload.deployment_status as object),
            id: 900_000 + id,
            state,
            created_at: createdAt,
          },
        },
      });
      const row = async () =>
        h.knex('pulse_github_deployments').where({ id: deployment.id }).first();
      const inactive = statusEvent(2, 'inactive', '2030-01-01T11:00:00Z');
      const success = statusEvent(1, 'success', '2030-01-01T10:00:00Z');
      // The inactive status arrives first; the success after it still records when it succeeded.
      expect(await handler.handle(asEventParams(inactive))).toBe('applied');
      expect(await handler.handle(asEventParams(success))).toBe('applied');
      const stored = await row();
      expect(stored.state).toBe('inactive');
      expect(new Date(stored.succeeded_at).toISOString()).toBe(
        '2030-01-01T10:00:00.000Z',
      );
      // Delivered again under another id, it changes nothing.
      expect(
        await handler.handle(
          asEventParams(success, `${success.deliveryId}-again`),
        ),
      ).toBe('unchanged');
      await h.stop();
    });

    it("shows the workflow's name for a run delivered with an empty name", async () => {
      const h = await backfilled();
      const handler = handlerFor(h);
      let event: WebhookEvent | undefined;
      while (!event) {
        event = h.sim.tick().find(e => e.name === 'workflow_run');
      }
      const workflow = event.payload.workflow as { name: string };
      const run = event.payload.workflow_run as { id: number; name: string };
      expect(run.name).toBe(workflow.name);
      const unnamed = {
        ...event,
        payload: { ...event.payload, workflow_run: { ...run, name: '' } },
      };
      expect(await handler.handle(asEventParams(unnamed))).toBe('applied');
      const row = await h
        .knex('pulse_github_workflow_runs')
        .where({ id: run.id })
        .first();
      expect(row.workflow_name).toBe(workflow.name);
      await h.stop();
    });

    it("keeps a re-run's earlier attempt when its event arrives after the re-run's", async () => {
      const h = await backfilled();
      const handler = handlerFor(h);
      let event: WebhookEvent | undefined;
      while (!event) {
        event = h.sim
          .tick()
          .find(e => e.name === 'workflow_run' && e.action === 'completed');
      }
      const firstAttempt = event.payload.workflow_run as {
        id: number;
        run_attempt: number;
        updated_at: string;
      };
      const later = new Date(
        Date.parse(firstAttempt.updated_at) + 10 * 60_000,
      ).toISOString();
      const rerun = {
        ...event,
        deliveryId: `${event.deliveryId}-rerun`,
        payload: {
          ...event.payload,
          workflow_run: {
            ...firstAttempt,
            run_attempt: firstAttempt.run_attempt + 1,
            conclusion: 'success',
            run_started_at: later,
            updated_at: later,
          },
        },
      };
      const failed = {
        ...event,
        payload: {
          ...event.payload,
          workflow_run: { ...firstAttempt, conclusion: 'failure' },
        },
      };
      expect(await handler.handle(asEventParams(rerun))).toBe('applied');
      expect(await handler.handle(asEventParams(failed))).toBe('applied');
      // The same late event again changes nothing.
      expect(
        await handler.handle(
          asEventParams(failed, `${failed.deliveryId}-again`),
        ),
      ).toBe('unchanged');

      const run = await h
        .knex('pulse_github_workflow_runs')
        .where({ id: firstAttempt.id })
        .first();
      expect(run.run_attempt).toBe(firstAttempt.run_attempt + 1);
      expect(run.conclusion).toBe('success');
      const attempts = await h
        .knex('pulse_github_workflow_run_attempts')
        .where({ run_id: firstAttempt.id })
        .orderBy('attempt');
      expect(attempts.map(a => [a.attempt, a.conclusion])).toEqual([
        [firstAttempt.run_attempt, 'failure'],
        [firstAttempt.run_attempt + 1, 'success'],
      ]);
      await h.stop();
    });

    it('loses no delivery at start-up: before the first catalog refresh, right after it, and after a restart', async () => {
      // A fresh install: the catalog knows acme/web, the first tracked-entity refresh has not run.
      const h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web'],
      });
      await h.trackedEntities.replaceAll([]);
      const handler = handlerFor(h);
      const events: WebhookEvent[] = [];
      for (let i = 0; i < 40; i++) {
        events.push(
          ...h.sim
            .tick()
            .filter(e => GITHUB_WEBHOOK_TOPICS.includes(`github.${e.name}`)),
        );
      }
      const [early, afterRefresh, afterRestart] = [
        events.slice(0, 20),
        events.slice(20, events.length - 40),
        events.slice(events.length - 40),
      ];

      // Not tracked yet: these deliveries are not applied. The repository's first sync starts
      // after its first refresh, so it reads from GitHub what they changed.
      for (const event of early) {
        expect(await handler.handle(asEventParams(event))).toBe('ignored');
      }

      // The first refresh tracks it. The list of repositories this replica read before the refresh
      // (empty) no longer decides anything: every delivery from now on is applied at once.
      await h.trackedEntities.replaceAll([trackedEntity('acme/web')]);
      const outcomes = [];
      for (const event of afterRefresh) {
        outcomes.push(await handler.handle(asEventParams(event)));
      }
      expect(outcomes).not.toContain('ignored');
      expect(outcomes.filter(o => o === 'applied').length).toBeGreaterThan(
        afterRefresh.length / 2,
      );
      expect((await h.engine.runCycle()).outcomes.synced).toBe(1);

      // A restarted replica: a new engine and handler over the same database.
      const restarted = new GithubWebhookHandler({
        store: h.store,
        publisher: h.publisher,
        targets: h.makeEngine(),
        logger: mockServices.logger.mock(),
        clock: h.clock,
      });
      for (const event of afterRestart) {
        expect(await restarted.handle(asEventParams(event))).not.toBe(
          'ignored',
        );
      }

      // Each delivery after the refresh is recorded once; the database holds what a full poll of
      // GitHub finds, the changes of the early deliveries included.
      const recorded = await h
        .knex('pulse_github_webhook_deliveries')
        .pluck('delivery_id');
      expect(new Set(recorded)).toEqual(
        new Set([...afterRefresh, ...afterRestart].map(e => e.deliveryId)),
      );
      const polled = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web'],
        simulator: h.sim,
      });
      expect((await polled.engine.runCycle()).outcomes.synced).toBe(1);
      expect(comparable(await databaseSnapshot(h.knex))).toEqual(
        comparable(await databaseSnapshot(polled.knex)),
      );
      await polled.stop();
      await h.stop();
    });

    it('applies a delivery that a replica with an older list of repositories receives', async () => {
      const h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web', 'acme/api'],
      });
      await h.trackedEntities.replaceAll([trackedEntity('acme/web')]);
      expect((await h.engine.runCycle()).outcomes.synced).toBe(1);
      const handler = handlerFor(h);
      // The replica's list holds acme/web only; another replica's refresh then adds acme/api.
      expect((await h.engine.targets()).map(t => t.displaySlug)).toEqual([
        'acme/web',
      ]);
      await h.trackedEntities.replaceAll([
        trackedEntity('acme/web'),
        trackedEntity('acme/api'),
      ]);
      let event: WebhookEvent | undefined;
      while (!event) {
        event = h.sim
          .tick()
          .find(e => e.repository === 'acme/api' && e.name === 'pull_request');
      }
      expect(await handler.handle(asEventParams(event))).toBe('applied');
      await h.stop();
    });

    it('tries a delivery again when storing it fails, and names it when it gives up', async () => {
      const h = await backfilled();
      let failures = 0;
      const flaky = Object.assign(Object.create(h.store), {
        transaction: (fn: Parameters<typeof h.store.transaction>[0]) =>
          failures-- > 0
            ? Promise.reject(new Error('Connection terminated unexpectedly'))
            : h.store.transaction(fn),
      });
      const logger = mockServices.logger.mock();
      const handler = new GithubWebhookHandler({
        store: flaky,
        publisher: h.publisher,
        targets: h.engine,
        logger,
        clock: h.clock,
        retryDelaysMs: [0, 0],
      });
      const events: WebhookEvent[] = [];
      while (events.filter(e => e.name === 'pull_request').length < 2) {
        events.push(...h.sim.tick().filter(e => e.name === 'pull_request'));
      }
      const [first, second] = events;
      const recorded = (id: string) =>
        h.knex('pulse_github_webhook_deliveries').where({ delivery_id: id });

      failures = 2;
      await handler.onEvent(asEventParams(first));
      expect(await recorded(first.deliveryId)).toHaveLength(1);

      failures = 3;
      await expect(handler.onEvent(asEventParams(second))).rejects.toThrow(
        'Connection terminated',
      );
      expect(await recorded(second.deliveryId)).toEqual([]);
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringContaining(second.deliveryId),
      );
      await h.stop();
    });

    it('never lets an older delivery overwrite newer state', async () => {
      const h = await backfilled();
      const handler = handlerFor(h);
      const events: WebhookEvent[] = [];
      for (let i = 0; i < 40; i++) {
        events.push(...h.sim.tick());
      }
      const runEvents = events.filter(e => e.name === 'workflow_run');
      const runIdOf = (e: WebhookEvent) => (e.payload.workflow_run as any).id;
      const completed = new Set(
        runEvents.filter(e => e.action === 'completed').map(runIdOf),
      );
      const runId = runIdOf(
        runEvents.find(
          e => e.action === 'requested' && completed.has(runIdOf(e)),
        )!,
      );
      const forRun = runEvents.filter(e => runIdOf(e) === runId);
      expect(forRun.map(e => e.action)).toEqual([
        'requested',
        'in_progress',
        'completed',
      ]);

      const prEvents = events.filter(
        e => e.name === 'pull_request' && e.action !== 'opened',
      );
      const pullNumber = (prEvents.at(-1)!.payload.pull_request as any).number;
      const forPull = events.filter(
        e =>
          e.name === 'pull_request' &&
          (e.payload.pull_request as any).number === pullNumber,
      );

      // Newest first: the later ones arrive before the earlier ones.
      for (const event of [...forRun].reverse()) {
        await handler.handle(asEventParams(event));
      }
      for (const event of [...forPull].reverse()) {
        await handler.handle(asEventParams(event));
      }
      const run = await h
        .knex('pulse_github_workflow_runs')
        .where({ id: runId })
        .first();
      expect(run.status).toBe('completed');
      const latestPull = forPull.at(-1)!.payload.pull_request as any;
      const pull = await h
        .knex('pulse_github_pull_requests')
        .where({ number: pullNumber })
        .first();
      expect(new Date(pull.updated_at).toISOString()).toBe(
        new Date(latestPull.updated_at).toISOString(),
      );
      expect(pull.head_sha).toBe(latestPull.head.sha);
      expect(pull.state).toBe(pullState(latestPull));
      await h.stop();
    });

    it('records when a pull request became ready for review, from its opening or a late ready_for_review delivery', async () => {
      const h = await backfilled();
      const handler = handlerFor(h);
      const pullOf = (e: WebhookEvent) => e.payload.pull_request as any;
      const isReady = (e: WebhookEvent) =>
        e.name === 'pull_request' && e.action === 'ready_for_review';
      const isOpenedReady = (e: WebhookEvent) =>
        e.name === 'pull_request' && e.action === 'opened' && !pullOf(e).draft;
      const events: WebhookEvent[] = [];
      for (
        let i = 0;
        i < 2000 && !(events.some(isReady) && events.some(isOpenedReady));
        i++
      ) {
        events.push(...h.sim.tick());
      }
      const ready = events.find(isReady)!;
      const openedReady = events.find(isOpenedReady)!;
      expect(ready).toBeDefined();
      expect(openedReady).toBeDefined();
      const readyAt = async (number: number) => {
        const row = await h
          .knex('pulse_github_pull_requests')
          .where({ number })
          .first('ready_for_review_at');
        return row?.ready_for_review_at
          ? new Date(row.ready_for_review_at).toISOString()
          : null;
      };

      expect(await handler.handle(asEventParams(openedReady))).toBe('applied');
      expect(await readyAt(pullOf(openedReady).number)).toBe(
        new Date(pullOf(openedReady).created_at).toISOString(),
      );

      // The pull request's later deliveries arrive first; the ready_for_review one still counts.
      const number = pullOf(ready).number;
      const later = events.filter(
        e =>
          e.name === 'pull_request' &&
          pullOf(e).number === number &&
          events.indexOf(e) > events.indexOf(ready),
      );
      for (const event of later) {
        await handler.handle(asEventParams(event));
      }
      expect(await readyAt(number)).toBeNull();
      expect(await handler.handle(asEventParams(ready))).toBe('applied');
      expect(await readyAt(number)).toBe(
        new Date(pullOf(ready).updated_at).toISOString(),
      );
      // Redelivered, it changes nothing.
      expect(
        await handler.handle(asEventParams(ready, `${ready.deliveryId}-again`)),
      ).toBe('unchanged');
      await h.stop();
    });

    it('skips malformed and foreign deliveries and stores nothing for them', async () => {
      const h = await backfilled();
      const handler = handlerFor(h);
      const events: WebhookEvent[] = [];
      while (
        !events.some(e => e.name === 'pull_request' && e.action === 'opened')
      ) {
        events.push(...h.sim.tick());
      }
      const opened = events.find(
        e => e.name === 'pull_request' && e.action === 'opened',
      )!;
      const number = (opened.payload.pull_request as any).number;
      const broken = {
        ...opened,
        payload: {
          ...opened.payload,
          pull_request: {
            ...(opened.payload.pull_request as any),
            title: undefined,
          },
        },
      };
      const eventsBefore = (await h.publisher.list({ limit: 100_000 })).length;
      expect(await handler.handle(asEventParams(broken))).toBe('malformed');
      expect(
        await h.knex('pulse_github_pull_requests').where({ number }),
      ).toEqual([]);
      expect(
        await h.knex('pulse_github_webhook_deliveries').where({
          delivery_id: opened.deliveryId,
        }),
      ).toEqual([]);
      expect(
        await handler.handle({
          topic: 'github.pull_request',
          eventPayload: 'not json',
          metadata: {},
        }),
      ).toBe('malformed');

      const foreign = {
        ...opened,
        deliveryId: 'foreign-1',
        payload: {
          ...opened.payload,
          repository: {
            ...(opened.payload.repository as any),
            full_name: 'someone/else',
          },
        },
      };
      expect(await handler.handle(asEventParams(foreign))).toBe('ignored');
      expect((await h.publisher.list({ limit: 100_000 })).length).toBe(
        eventsBefore,
      );

      // The same delivery, intact, still applies: the failed attempt did not mark it as seen.
      expect(await handler.handle(asEventParams(opened))).toBe('applied');
      expect(
        await h.knex('pulse_github_pull_requests').where({ number }),
      ).toHaveLength(1);
      await h.stop();
    });
  },
);
