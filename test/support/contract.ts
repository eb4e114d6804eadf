/**
 * Schema-driven contract checks (issue 14): a real response is validated against the OpenAPI
 * document's schema for its operation and status, with ajv's JSON Schema 2020-12 (OpenAPI 3.1's
 * dialect). The document is the one the app serves, so the check fails when either side drifts.
 */
import Ajv2020 from 'ajv/dist/2020';
import { expect } from 'vitest';
import { buildOpenApiDocument } from '../../api/openapi/document';

const BASE = 'https://outcall.test/openapi.json';
const doc = buildOpenApiDocument({ publicUrl: 'http://127.0.0.1' });
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: BASE, ...doc });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is read as plain JSON
type JsonObject = Record<string, any>;

/** Every operation checked so far, `METHOD path status` (a test can assert its coverage). */
export const checked = new Set<string>();

/**
 * Asserts that `body`, answered with `status` by `method path` (the OpenAPI template), matches the
 * document's schema for it.
 */
export function expectMatchesContract(method: string, path: string, status: number, body: unknown): void {
  const op = (doc.paths as JsonObject)[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} is in the document`).toBeDefined();
  const response = op.responses[String(status)];
  expect(response, `${method} ${path} documents HTTP ${status}`).toBeDefined();
  const schema = response.content?.['application/json']?.schema as { $ref?: string } | undefined;
  expect(schema?.$ref, `${method} ${path} ${status} has a JSON schema`).toBeDefined();
  const validate = ajv.getSchema(`${BASE}${schema!.$ref}`)!;
  const ok = validate(body);
  expect(
    ok,
    `${method} ${path} ${status} does not match ${schema!.$ref}: ${JSON.stringify(validate.errors?.slice(0, 5))}\n` +
      JSON.stringify(body).slice(0, 1500),
  ).toBe(true);
  checked.add(`${method.toUpperCase()} ${path} ${status}`);
}
