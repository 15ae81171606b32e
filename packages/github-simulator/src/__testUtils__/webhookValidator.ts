import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';

const SCHEMA_ID = 'https://octokit.github.io/webhooks/schema.json';

/**
 * Validates webhook payloads against `@octokit/webhooks-schemas`, which has
 * one definition per event and action (`pull_request$opened`) and
 * `<event>$event` for events without actions.
 */
export class WebhookValidator {
  private readonly ajv: Ajv;
  private readonly definitions: Set<string>;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    const schema = JSON.parse(
      readFileSync(require.resolve('@octokit/webhooks-schemas'), 'utf8'),
    );
    this.definitions = new Set(Object.keys(schema.definitions));
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    // Only the definitions: compiling the root's `oneOf` over every event
    // would compile all 300+ definitions up front.
    this.ajv.addSchema({ $id: SCHEMA_ID, definitions: schema.definitions });
  }

  definitionFor(event: string, action: string | undefined): string {
    const name = action ? `${event}$${action}` : `${event}$event`;
    if (!this.definitions.has(name)) {
      throw new Error(`No webhook schema for ${name}`);
    }
    return name;
  }

  /** Errors of `payload` against the schema of its event and action. */
  validate(
    event: string,
    action: string | undefined,
    payload: unknown,
  ): string[] {
    const definition = this.definitionFor(event, action);
    let validate = this.validators.get(definition);
    if (!validate) {
      validate = this.ajv.compile({
        $ref: `${SCHEMA_ID}#/definitions/${definition}`,
      });
      this.validators.set(definition, validate);
    }
    if (validate(payload)) {
      return [];
    }
    return (validate.errors ?? []).map(
      error =>
        `${error.instancePath || '/'} ${error.message} ${JSON.stringify(
          error.params,
        )}`,
    );
  }
}
