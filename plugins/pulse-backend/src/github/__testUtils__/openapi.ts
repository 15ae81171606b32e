import { resolvePackagePath } from '@backstage/backend-plugin-api';
// ajv, ajv-formats and yaml are installed at the repository root (dev dependencies of the
// simulator and the Backstage CLI); they are test-only helpers here.
// eslint-disable-next-line @backstage/no-undeclared-imports
import Ajv, { ValidateFunction } from 'ajv';
// eslint-disable-next-line @backstage/no-undeclared-imports
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
// eslint-disable-next-line @backstage/no-undeclared-imports
import { parse } from 'yaml';

type Json = any;

/** OpenAPI 3.0's `nullable` is not JSON Schema; turn it into a `null` alternative. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) {
    return node.map(toJsonSchema);
  }
  if (!node || typeof node !== 'object') {
    return node;
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'example') {
      continue;
    }
    out[key] = key === '$ref' ? value : toJsonSchema(value);
  }
  if (node.nullable === true) {
    if (out.$ref || out.allOf) {
      const { description: _description, ...rest } = out;
      return { anyOf: [{ type: 'null' }, rest] };
    }
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (out.enum) {
        out.enum = [...out.enum, null];
      }
    }
  }
  return out;
}

/** Validates real responses against `src/schema/openapi.yaml`. */
export class OpenApiResponseValidator {
  private readonly spec: Json;
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    const file = resolvePackagePath(
      '@pulse-oss/plugin-pulse-backend',
      'src/schema/openapi.yaml',
    );
    this.spec = parse(readFileSync(file, 'utf8'));
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(
      { $id: 'pulse', components: toJsonSchema(this.spec.components) },
      'pulse',
    );
  }

  /** The documented paths, e.g. `/entities/{kind}/{namespace}/{name}/sync`. */
  paths(): string[] {
    return Object.keys(this.spec.paths);
  }

  private resolve(node: Json): Json {
    if (node?.$ref) {
      const path = node.$ref.replace(/^#\//, '').split('/');
      return this.resolve(
        path.reduce((at: Json, key: string) => at[key], this.spec),
      );
    }
    return node;
  }

  /** Throws with ajv's errors when `body` is not what the spec says `path` answers with `status`. */
  validate(method: string, path: string, status: number, body: unknown): void {
    const operation = this.spec.paths[path]?.[method.toLowerCase()];
    if (!operation) {
      throw new Error(`${method} ${path} is not documented`);
    }
    const response = this.resolve(operation.responses?.[String(status)]);
    if (!response) {
      throw new Error(`${method} ${path} does not document status ${status}`);
    }
    const schema = response.content?.['application/json']?.schema;
    if (!schema) {
      throw new Error(`${method} ${path} ${status} documents no JSON body`);
    }
    const key = `${method} ${path} ${status}`;
    let validate = this.cache.get(key);
    if (!validate) {
      const rewritten = JSON.parse(
        JSON.stringify(toJsonSchema(schema)).replace(
          /"#\/components\//g,
          '"pulse#/components/',
        ),
      );
      validate = this.ajv.compile(rewritten);
      this.cache.set(key, validate);
    }
    if (!validate(body)) {
      throw new Error(
        `${key}: ${this.ajv.errorsText(validate.errors, { separator: '\n' })}`,
      );
    }
  }
}
