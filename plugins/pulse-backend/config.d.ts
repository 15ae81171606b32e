import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  /**
   * Pulse: live pull requests, CI workflows, on-call and incidents on entity pages.
   *
   * GitHub hosts and credentials are not configured here: Pulse uses Backstage's standard
   * `integrations.github` section (github.com and GitHub Enterprise, token or GitHub App).
   */
  pulse?: {
    /**
     * Who sees and does what. Pulse asks the catalog (with the caller's own credentials) whether
     * the caller may see an entity, and the permission framework whether the adopter's policy
     * allows an action on it (`pulse.incident.update`, `pulse.sync.request`, ... as resource
     * permissions on `catalog-entity`; schedule permissions on `pulse-schedule`).
     */
    permissions?: {
      /**
       * How long one caller's permission decisions and entity visibility are reused, in seconds
       * (0 to 300), kept per user or service and token. A revoked permission or a hidden entity
       * takes at most this long to show.
       * 0 asks on every request. Defaults to 10.
       */
      cacheSeconds?: number;
    };

    /** The REST API under `/api/pulse/v1`. */
    api?: {
      /**
       * Also check every response against the OpenAPI description, and answer 500 when one does
       * not match it. For tests and development; it costs time on every response. Defaults to false.
       */
      validateResponses?: boolean;
    };

    /** How Pulse learns which catalog entities it tracks. */
    catalog?: {
      /**
       * How often the list of tracked entities (those with a `github.com/project-slug`
       * annotation) is refreshed from the catalog. Every replica runs it. Defaults to every
       * minute.
       */
      refresh?: SchedulerServiceTaskScheduleDefinitionConfig;
    };

    /** Reading GitHub: the sync of pull requests, reviews, CI state, workflow runs and deployments. */
    github?: {
      /**
       * How often every tracked repository is synced (webhooks apply changes in between).
       * Every replica looks for due repositories every 15 s (a quarter of the frequency when
       * that is shorter) and syncs those no replica has synced within the frequency; a
       * repository's lease (30 s, renewed every 10 s while it syncs) keeps it to one sync at a
       * time, and a replica killed mid-sync holds it for 30 s at most. With a cron expression,
       * every replica syncs every repository at each run. The timeout bounds one run.
       * Defaults to every 5 minutes with a 4 minute timeout.
       */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      /** How many days of history the first sync of a repository backfills. Defaults to 90. */
      lookbackDays?: number;
      /** The most requests in flight at once against one GitHub host. Defaults to 4. */
      maxConcurrentRequestsPerHost?: number;
      /**
       * Below this share of the rate limit remaining (0..1), a host is paused until its reset.
       * Defaults to 0.1.
       */
      rateLimitReserve?: number;
      /** The shortest time between two manual sync requests for one entity, in seconds. Defaults to 60. */
      manualSyncCooldownSeconds?: number;
    };

    /**
     * Delivery metrics (DORA four keys, pull request flow, CI health), computed by the
     * `pulse-metrics-aggregation` task from the synced GitHub data and Pulse's incidents.
     * Definitions: the backend plugin's README.
     */
    metrics?: {
      /**
       * The windows the API serves, in whole days (1 to 3650). The longest must not exceed
       * `pulse.retention.days` or `pulse.retention.oncall.resolvedIncidentDays` (start-up fails
       * otherwise: the data it needs would be deleted), nor, for full figures from the first
       * day, `pulse.github.lookbackDays`. Defaults to [7, 30, 90].
       */
      windows?: number[];
      /** The IANA time zone days are counted in (e.g. `Europe/Berlin`). Defaults to UTC. */
      timeZone?: string;
      /**
       * The GitHub deployment environments that are production (compared case-insensitively).
       * A successful deployment status to one of them is a deployment. Defaults to
       * [production, prod].
       */
      productionEnvironments?: string[];
      /**
       * How long after a production deployment an incident or a failed deployment counts as
       * its failure (and only before the next production deployment). A duration object
       * (`{ hours: 24 }`) or string (`24h`, `PT24H`), up to 30 days. Defaults to 24 hours.
       */
      failureWindow?: { [unit: string]: number } | string;
      /**
       * The lowest incident severity that fails a deployment: info, warning, error or critical.
       * Defaults to error.
       */
      failureSeverity?: 'info' | 'warning' | 'error' | 'critical';
      /**
       * Below this many items a key says "not enough data" instead of a DORA band. From 1 to
       * 10000. Defaults to 5.
       */
      minimumSample?: number;
      /**
       * Login patterns (globs; `[` and `]` are literal) of bots, whose pull requests and reviews
       * pull request flow leaves out. Defaults to ['*[bot]'].
       */
      botLogins?: string[];
      /**
       * When the aggregation runs, on one replica at a time. Each run recomputes only the entities
       * whose data changed (and every entity once a day, as the windows move); a run stops
       * starting entities after 40 s and the next starts at once. Defaults to every hour with a
       * one-minute timeout.
       */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      /**
       * How long after a change to an entity's pull requests, runs, deployments or incidents the
       * aggregation runs, gathering the changes that follow, in seconds (0 to 3600). Defaults to 30.
       */
      debounceSeconds?: number;
    };

    /** How long Pulse keeps data. */
    retention?: {
      /** Closed pull requests, completed runs, deployments and default-branch commits older than this are deleted. Defaults to 180. */
      days?: number;
      /** Domain events (the live stream's log) older than this are deleted. Defaults to 7. */
      eventLogDays?: number;
      /**
       * When the retention tasks (GitHub and on-call) run, on one replica at a time. Defaults to
       * daily.
       */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      /**
       * How long on-call records are kept. An open incident (triggered or acknowledged) is never
       * deleted, however old. Each value is a whole number of days from 1 to 36500.
       */
      oncall?: {
        /**
         * Incidents resolved longer ago than this are deleted with their timeline, escalation
         * pages, assignees and raw alert payload. Defaults to 365.
         */
        resolvedIncidentDays?: number;
        /** Schedule overrides that ended longer ago than this are deleted. Defaults to 90. */
        pastOverrideDays?: number;
        /**
         * Heartbeat monitors removed from `pulse.oncall.heartbeats` are forgotten once they have
         * not been pinged for this long. Defaults to 30.
         */
        removedHeartbeatDays?: number;
      };
    };

    /** On-call schedules, escalation policies, alert intake and incidents. */
    oncall?: {
      /** On-call schedules. */
      schedules?: Array<{
        /** Unique id, used by escalation policies and the API. */
        id: string;
        /** Display name. */
        name: string;
        /** IANA time zone in which handoffs and restrictions are expressed, e.g. `Europe/Berlin`. */
        timeZone: string;
        /** Layers, lowest first: a later layer covers earlier ones wherever it has someone on call. */
        layers: Array<{
          /** Unique within the schedule. Defaults to `layer-<n>`. */
          id?: string;
          /**
           * Who rotates, in order: user entity refs (`user:default/jane`), or group entity refs
           * (`group:default/payments`) whose members come from the catalog.
           */
          members: string[];
          /** `daily`, `weekly`, or a number of hours. */
          rotation: 'daily' | 'weekly' | { hours: number };
          /** Local wall-clock time of the handoff, `HH:mm`. Defaults to `09:00`. */
          handoffTime?: string;
          /** When the rotation starts (ISO 8601 date or date-time, in the schedule's zone). */
          start: string;
          /** Only be on call within these windows; outside them earlier layers show through. */
          restrictions?: Array<{
            /** `daily`: every day between the two times; `weekly`: from a day and time to another. */
            type: 'daily' | 'weekly';
            /** ISO weekday 1 (Monday) to 7 (Sunday); weekly restrictions only. */
            startDay?: number;
            /** `HH:mm` */
            startTime: string;
            /** ISO weekday 1..7; weekly restrictions only. */
            endDay?: number;
            /** `HH:mm`; may be earlier than `startTime` to cross midnight. */
            endTime: string;
          }>;
        }>;
      }>;

      /** Escalation policies: who is paged, in which order, after how long. */
      escalationPolicies?: Array<{
        /** Unique id, used by the `pulse.dev/escalation-policy` annotation. */
        id: string;
        /** Display name. */
        name: string;
        /** How many more times the whole policy is repeated when nobody acknowledges. 0..9, default 0. */
        repeat?: number;
        /** After an acknowledgement, return the incident to triggered if not resolved within this many minutes. */
        ackTimeoutMinutes?: number;
        /** Ordered steps; the first is paged at once. */
        steps: Array<{
          /** Minutes to wait after this step is paged before the next one. */
          delayMinutes: number;
          /**
           * Page one target at a time, in turns: each new incident of the policy starts with the
           * next target (A, B, C, A, ...), and each repeat round moves one further. A user gone from
           * the catalog, a schedule with nobody on call or an empty group is skipped for the next
           * target. Default false: every target is paged.
           */
          roundRobin?: boolean;
          /** Who this step pages; at least one. */
          targets: Array<{
            /** A schedule id: whoever is on call on it. */
            schedule?: string;
            /** A user entity ref. */
            user?: string;
            /** A group entity ref: all its members. */
            group?: string;
            /** An outbound webhook (chat, SMS gateway), POSTed with a JSON body and retried with backoff. */
            webhook?: {
              /** Display name. */
              name?: string;
              /** @visibility secret */
              url: string;
              /** Extra headers, e.g. an authorization header. */
              headers?: {
                /** @visibility secret */
                [name: string]: string;
              };
            };
          }>;
        }>;
      }>;

      /** The policy for entities with no annotation and no policy for their owning group. */
      defaultEscalationPolicy?: string;

      /** A default policy per owning group, e.g. `group:default/payments: payments-policy`. */
      groupEscalationPolicies?: { [groupRef: string]: string };

      /**
       * PagerDuty Events API v2 routing keys and what they page: each key maps to a service
       * (entity ref) of a kind in `intake.entityKinds`. A sender uses the key as `routing_key`;
       * its `dedup_key`s hold within the key (events through another key never meet them).
       */
      routingKeys?: {
        /** @visibility secret */
        [routingKey: string]: string;
      };

      /** Heartbeat monitors: an incident opens when a ping is missed. */
      heartbeats?: Array<{
        /** Unique id; pings go to `POST /api/pulse/v1/alerts/heartbeat/{id}`. */
        id: string;
        /** The service (entity ref) the incident is about. */
        entityRef: string;
        /** Expected seconds between pings. */
        intervalSeconds: number;
        /** Incident title. Defaults to `Heartbeat <id> missed`. */
        title?: string;
        /** Incident severity. Defaults to `critical`. */
        severity?: 'critical' | 'error' | 'warning' | 'info';
      }>;

      /** Alert intake. */
      intake?: {
        /** Bodies larger than this many bytes are refused with 413. Defaults to 524288 (512 KB). */
        maxBodyBytes?: number;
        /**
         * Seconds a sender has to deliver the whole request body once the request is admitted;
         * a slower body is refused with 408 and its connection closed, so a stalled sender does
         * not hold a request for Node's default 300 s. From 0.01 to 300. Defaults to 30.
         */
        bodyTimeoutSeconds?: number;
        /** One incident per Alertmanager alert `fingerprint` (default) or per `groupKey`. */
        alertmanagerGrouping?: 'fingerprint' | 'groupKey';
        /**
         * The catalog kinds an alert (and a page by hand) may be about: an incident belongs to
         * a service, not to a Group or a User. An alert about another kind is refused with 400;
         * a routing key or heartbeat naming another kind fails start-up. Compared without regard
         * to case. Defaults to `[Component, Resource, System]`.
         */
        entityKinds?: string[];
        /**
         * Per-token request limit of the alert endpoints, held across all replicas (a token
         * bucket per token subject in the database, one statement per request); over it senders
         * get 429 with `retry-after`.
         */
        rateLimit?: {
          /** Sustained requests per second. Defaults to 50. */
          requestsPerSecond?: number;
          /** Requests allowed in a burst above the sustained rate. Defaults to 200. */
          burst?: number;
        };
      };

      /** The escalation engine. */
      escalation?: {
        /** How often due steps are looked for. Defaults to every 15 seconds. */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        /** How long a replica holds a claimed step before another may take it over. Defaults to 60. */
        leaseSeconds?: number;
        /** A step overdue by more than this many minutes is recovered by the watchdog and flagged. Defaults to 3. */
        watchdogGraceMinutes?: number;
      };

      /** Where incident links in notifications point; defaults to `/pulse/incidents/{id}` in the app. */
      incidentLinkPath?: string;
    };
  };
}
