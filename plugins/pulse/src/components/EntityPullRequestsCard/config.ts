import { StandardSchemaV1 } from '@backstage/frontend-plugin-api';

/** Open pull requests without activity for longer than this many days are stale, by default. */
export const DEFAULT_STALE_AFTER_DAYS = 7;

type StaleAfterDaysSchema = StandardSchemaV1<number | undefined, number> & {
  '~standard': {
    jsonSchema: {
      input(options: { target: string }): Record<string, unknown>;
      output(options: { target: string }): Record<string, unknown>;
    };
  };
};

/**
 * Extension config schema of `staleAfterDays`: a positive number, defaulting to
 * {@link DEFAULT_STALE_AFTER_DAYS}.
 *
 * Written by hand as a Standard Schema with its JSON Schema (as `@backstage/frontend-plugin-api`
 * does for its own fields) because zod v4, which the `configSchema` option needs, is not a
 * dependency of this package.
 */
export const staleAfterDaysConfigSchema: StaleAfterDaysSchema = {
  '~standard': {
    version: 1,
    vendor: 'pulse',
    validate(value: unknown) {
      if (value === undefined) {
        return { value: DEFAULT_STALE_AFTER_DAYS };
      }
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        return {
          issues: [
            {
              message: `Expected a positive number of days, but received ${JSON.stringify(
                value,
              )}`,
            },
          ],
        };
      }
      return { value };
    },
    jsonSchema: {
      input: () => ({
        type: 'number',
        exclusiveMinimum: 0,
        default: DEFAULT_STALE_AFTER_DAYS,
        description:
          'Open pull requests without activity for longer than this many days are highlighted as stale.',
      }),
      output: () => ({ type: 'number', exclusiveMinimum: 0 }),
    },
  },
};
