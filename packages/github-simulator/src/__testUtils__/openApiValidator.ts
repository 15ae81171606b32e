import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';

/**
 * Validates response bodies against GitHub's OpenAPI description (the
 * `@octokit/openapi` package). The description is OpenAPI 3.0, so
 * `nullable: true` is rewritten into JSON Schema before handing the
 * components to Ajv.
 */

type Schema = Record<string, unknown>;

const DOCUMENT_ID = 'https://api.github.com/openapi.json';

function toJsonSchema(node: unknown, isPropertyMap = false): unknown {
  if (Array.isArray(node)) {
    return node.map(item => toJsonSchema(item));
  }
  if (!node || typeof node !== 'object') {
    return node;
  }
  const converted: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (isPropertyMap) {
      converted[key] = toJsonSchema(value);
    } else if (key === 'example' || key === 'examples') {
      continue;
    } else if (
      key === '$ref' &&
      typeof value === 'string' &&
      value.startsWith('#/')
    ) {
      converted.$ref = `${DOCUMENT_ID}${value}`;
    } else {
      converted[key] = toJsonSchema(value, key === 'properties');
    }
  }
  if (isPropertyMap || converted.nullable !== true) {
    delete converted.nullable;
    return converted;
  }
  delete converted.nullable;
  if (typeof converted.type === 'string') {
    converted.type = [converted.type, 'null'];
    if (Array.isArray(converted.enum) && !converted.enum.includes(null)) {
      converted.enum = [...converted.enum, null];
    }
    return converted;
  }
  return { anyOf: [converted, { type: 'null' }] };
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { operationId: string; responses: Record<string, Schema> }>
  >;
  components: Record<string, Record<string, Schema>>;
}

let cached: OpenApiValidator | undefined;

export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly document: OpenApiDocument;
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor() {
    const path = require.resolve(
      '@octokit/openapi/generated/api.github.com.json',
    );
    this.document = JSON.parse(readFileSync(path, 'utf8'));
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    for (const format of [
      'int32',
      'int64',
      'uri-template',
      'repo.nwo',
      'ssh-key',
      'ssh-key fingerprint',
    ]) {
      if (!this.ajv.formats[format]) {
        this.ajv.addFormat(format, true);
      }
    }
    this.ajv.addSchema(
      { $id: DOCUMENT_ID, components: toJsonSchema(this.document.components) },
      DOCUMENT_ID,
    );
  }

  /** One instance per test file: the description is large. */
  static load(): OpenApiValidator {
    cached ??= new OpenApiValidator();
    return cached;
  }

  /** The `{path, method}` GitHub documents for an operation id. */
  operation(operationId: string): { path: string; method: string } {
    for (const [path, methods] of Object.entries(this.document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (operation?.operationId === operationId) {
          return { path, method };
        }
      }
    }
    throw new Error(`Unknown operation ${operationId}`);
  }

  private responseSchema(
    path: string,
    method: string,
    status: number,
  ): Schema | undefined {
    const operation = this.document.paths[path]?.[method];
    if (!operation) {
      throw new Error(`No operation ${method.toUpperCase()} ${path}`);
    }
    let response: Schema | undefined = operation.responses[String(status)];
    if (!response) {
      return undefined;
    }
    if (typeof response.$ref === 'string') {
      const name = response.$ref.split('/').pop()!;
      response = this.document.components.responses[name];
    }
    const content = response.content as
      | Record<string, { schema?: Schema }>
      | undefined;
    return content?.['application/json']?.schema;
  }

  /** Whether the description declares this status for the operation. */
  declares(path: string, method: string, status: number): boolean {
    return Boolean(
      this.document.paths[path]?.[method]?.responses[String(status)],
    );
  }

  private compile(key: string, schema: Schema): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as Schema);
      this.validators.set(key, validate);
    }
    return validate;
  }

  /**
   * Errors of `body` against the response schema of `path`/`method`/`status`
   * (an empty list when valid). Throws when the description has no JSON
   * schema for that response.
   */
  validateResponse(
    path: string,
    method: string,
    status: number,
    body: unknown,
  ): string[] {
    const schema = this.responseSchema(path, method, status);
    if (!schema) {
      throw new Error(
        `No JSON schema for ${method.toUpperCase()} ${path} ${status}`,
      );
    }
    return this.report(
      this.compile(`${method} ${path} ${status}`, schema),
      body,
    );
  }

  /** Errors of `body` against `#/components/schemas/<name>`. */
  validateComponent(name: string, body: unknown): string[] {
    return this.report(
      this.compile(`component ${name}`, {
        $ref: `#/components/schemas/${name}`,
      }),
      body,
    );
  }

  private report(validate: ValidateFunction, body: unknown): string[] {
    if (validate(body)) {
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
