export interface Config {
  /** Pulse in the browser. The backend's settings are in `@pulse-oss/plugin-pulse-backend`'s config. */
  pulse?: {
    /** How Pulse's cards and pages stay current. */
    live?: {
      /**
       * How often an open card or page checks, with one small request, that it has not missed a
       * change, in seconds. Changes show within a second through Backstage signals; this check
       * catches one whose hint was lost, so no change stays missing longer than this. The cards
       * also check when the tab gets focus and when the browser comes back online. Without the
       * signals plugin the cards poll instead and this does not apply. A positive number;
       * defaults to 300 (5 minutes).
       * @visibility frontend
       */
      checkIntervalSeconds?: number;
    };
  };
}
