/**
 * SPEC §2 (ext) `GET /openapi.json`: the OpenAPI 3.1 document, generated with zod 4's own
 * `z.toJSONSchema` from the route descriptions in `paths-*.ts`, which hold the very zod schemas the
 * routes validate with (STYLE G9 "one schema, many uses"). docs/api-surfaces.md says why this and
 * not @hono/zod-openapi or hono-openapi.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorKey } from '../errors';
import { bareListEnvelope, errorEnvelope, itemEnvelope, itemsEnvelope, listEnvelope } from './envelopes';
import type { OperationAuth, OperationDoc, OperationResponse } from './operation';
import { campaignOperations } from './paths-campaigns';
import { listAndContactOperations } from './paths-lists';
import { systemOperations } from './paths-system';

type Json = Record<string, unknown>;

/** Every operation the app serves (test/unit/openapi.test.ts holds this equal to `app.routes`). */
export const OPERATIONS: readonly OperationDoc[] = [
  ...campaignOperations,
  ...listAndContactOperations,
  ...systemOperations,
];

/** What every operation of a kind can answer besides its own errors. */
const ALWAYS: Record<OperationAuth, ErrorKey[]> = {
  basic: ['UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED', 'INTERNAL'],
  token: ['INTERNAL'],
  none: ['INTERNAL'],
};

const TAGS = [
  { name: 'Campaigns', description: 'SPEC §3–§4: create, read, control and report on campaigns' },
  { name: 'Webhooks', description: 'SPEC §6.2: the delivery log of outbound webhooks, and replay' },
  { name: 'Lists', description: 'SPEC §5: contact lists and memberships (also at /contact-lists)' },
  { name: 'Contacts', description: 'SPEC §5: contacts and CSV uploads' },
  { name: 'Carriers', description: 'SPEC §7: what carriers call (no Basic auth; per-attempt tokens)' },
  { name: 'Operations', description: 'Health, metrics, this reference and the dashboard' },
];

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

function envelopeOf(r: Extract<OperationResponse, { name: string }>): z.ZodType {
  switch (r.kind) {
    case 'item':
      return itemEnvelope(r.schema);
    case 'list':
      return listEnvelope(r.schema);
    case 'bare-list':
      return bareListEnvelope(r.schema);
    case 'items':
      return itemsEnvelope(r.schema, r.counted === true);
  }
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const RATE_HEADERS = {
  'X-RateLimit-Limit': { $ref: '#/components/headers/RateLimitLimit' },
  'X-RateLimit-Remaining': { $ref: '#/components/headers/RateLimitRemaining' },
  'X-RateLimit-Reset': { $ref: '#/components/headers/RateLimitReset' },
};

function successResponses(op: OperationDoc): Json {
  const r = op.response;
  const headers = op.auth === 'basic' ? { headers: RATE_HEADERS } : {};
  switch (r.kind) {
    case 'csv':
      return {
        '200': { description: r.description, ...headers, content: { 'text/csv': { schema: { type: 'string' } } } },
      };
    case 'text':
      return {
        '200': { description: r.description, ...headers, content: { [r.contentType]: { schema: { type: 'string' } } } },
      };
    case 'items':
      return {
        '200': { description: 'every item succeeded (a flat body: its item)', ...headers, content: json(ref(r.name)) },
        '207': { description: 'a bulk body with at least one failed item', ...headers, content: json(ref(r.name)) },
      };
    default:
      return { '200': { description: 'success', ...headers, content: json(ref(r.name)) } };
  }
}

const json = (schema: Json) => ({ 'application/json': { schema } });

/** The error responses, one per HTTP status, listing the catalogue codes each can carry. */
function errorResponses(op: OperationDoc): Json {
  const keys = [...new Set([...(op.errors ?? []), ...ALWAYS[op.auth]])];
  const byHttp = new Map<number, ErrorKey[]>();
  for (const key of keys) byHttp.set(ERROR_CODES[key].http, [...(byHttp.get(ERROR_CODES[key].http) ?? []), key]);
  const out: Json = {};
  for (const [http, group] of [...byHttp].sort(([a], [b]) => a - b)) {
    const codes = group.map((k) => `${ERROR_CODES[k].code} ${k}`).join(', ');
    out[String(http)] = {
      description: `error_data.code: ${codes}`,
      ...(http === 429 && { headers: { ...RATE_HEADERS, 'Retry-After': { schema: { type: 'integer' } } } }),
      ...(http === 401 && op.auth === 'basic' && { headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } }),
      content: json(ref('Error')),
    };
  }
  return out;
}

function parameters(op: OperationDoc): Json[] {
  const path = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1]!,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (!op.query) return path;
  const q = jsonSchema(op.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
  const query = Object.entries(q.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: (q.required ?? []).includes(name),
    schema,
  }));
  return [...path, ...query];
}

function requestBody(op: OperationDoc): Json | undefined {
  if (op.body) return { required: true, content: json(jsonSchema(op.body, 'input')) };
  if (!op.multipart) return undefined;
  const parts = Object.entries(op.multipart);
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: Object.fromEntries(
            parts.map(([name, p]) => [
              name,
              { type: 'string', description: p.description, ...(p.file && { format: 'binary' }) },
            ]),
          ),
          required: parts.filter(([, p]) => p.required).map(([name]) => name),
        },
      },
    },
  };
}

function operationObject(op: OperationDoc): Json {
  const body = requestBody(op);
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description && { description: op.description }),
    security: op.auth === 'basic' ? [{ basicAuth: [] }] : [],
    parameters: parameters(op),
    ...(body && { requestBody: body }),
    responses: { ...successResponses(op), ...errorResponses(op) },
  };
}

/** The response envelopes as components, generated from zod through one registry. */
function componentSchemas(): Json {
  const registry = z.registry<{ id: string }>();
  registry.add(errorEnvelope, { id: 'Error' });
  const seen = new Set<string>(['Error']);
  for (const op of OPERATIONS) {
    const r = op.response;
    if (!('name' in r) || seen.has(r.name)) continue;
    seen.add(r.name);
    registry.add(envelopeOf(r), { id: r.name });
  }
  const { schemas } = z.toJSONSchema(registry, {
    io: 'output',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return schemas;
}

/** Builds the whole document for a deployment whose public base URL is `publicUrl`. */
export function buildOpenApiDocument(opts: { publicUrl: string; version?: string }): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) paths[op.path] = { ...paths[op.path], [op.method]: operationObject(op) };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Outcall',
      version: opts.version ?? '2',
      summary: "Outbound voice campaigns on Temporal, wire-compatible with Exotel's Campaigns v2 API",
      description:
        'Every JSON response is the Exotel envelope (`request_id`, `method`, `http_code`, `response`). ' +
        'Errors carry a stable `error_data.code` (README "Error codes") and a description naming the field.',
    },
    // Relative first, so "Try it out" on /docs goes to whatever host served the page.
    servers: [
      { url: '/', description: 'this server' },
      { url: opts.publicUrl, description: 'OUTCALL_PUBLIC_URL' },
    ],
    tags: TAGS,
    paths,
    components: {
      securitySchemes: {
        basicAuth: { type: 'http', scheme: 'basic', description: 'user = API key, password = API token (SPEC §1)' },
      },
      headers: {
        RateLimitLimit: { description: 'requests allowed per 60 s', schema: { type: 'integer' } },
        RateLimitRemaining: { description: 'requests left in the window', schema: { type: 'integer' } },
        RateLimitReset: {
          description: 'Unix seconds when the oldest counted request leaves',
          schema: { type: 'integer' },
        },
      },
      schemas: componentSchemas(),
    },
  };
}
