import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /**
   * Pulse: live pull requests, CI workflows, on-call and incidents on entity pages.
   *
   * GitHub hosts and credentials are not configured here: Pulse uses Backstage's standard
   * `integrations.github` section (github.com and GitHub Enterprise, token or GitHub App).
   */
  pulse?: {
    /** How Pulse learns which catalog entities it tracks. */
    catalog?: {
      /**
       * How often the list of tracked entities (those with a `github.com/project-slug`
       * annotation) is refreshed from the catalog. Runs on one replica at a time.
       * Defaults to every minute.
       */
      refresh?: SchedulerServiceTaskScheduleDefinitionConfig;
    };
  };
}
