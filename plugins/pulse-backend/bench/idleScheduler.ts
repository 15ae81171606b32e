import {
  coreServices,
  createServiceFactory,
  SchedulerService,
} from '@backstage/backend-plugin-api';

/** A scheduler that registers tasks and never runs them: the benchmarks measure requests, not the sync. */
export const idleSchedulerServiceFactory = createServiceFactory({
  service: coreServices.scheduler,
  deps: {},
  async factory(): Promise<SchedulerService> {
    return {
      async scheduleTask() {},
      async triggerTask() {},
      async cancelTask() {},
      createScheduledTaskRunner() {
        return { run: async () => {} };
      },
      async getScheduledTasks() {
        return [];
      },
    };
  },
});
