/**
 * SPEC §2 (ext) `/openapi.json`: the document is valid OpenAPI 3.1, it describes exactly the routes
 * the app serves (a route added without its description, or a description without its route, fails
 * here), and its request schemas are the ones the routes validate with.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { ERROR_CODES } from '../../api/errors';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER } from '../../api/middleware/idempotency';
import { buildOpenApiDocument, OPERATIONS } from '../../api/openapi/document';
import { createDb } from '../../db/client';
import { fakeEngine, testDeps } from '../support/api';

// Building the app opens no connection: postgres-js connects on the first query, and none is made.
const app = createApp(testDeps(createDb('postgres://nobody:none@127.0.0.1:9/none'), fakeEngine()));
const doc = buildOpenApiDocument({ publicUrl: 'https://outcall.example.com' });
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is walked as plain JSON
const paths = doc.paths as Record<string, Record<string, any>>;

/** `METHOD /path/{param}` for every route the app serves (middleware, `ALL`, excluded). */
function servedRoutes(): string[] {
  const out = new Set<string>();
  for (const r of app.routes) {
    if (r.method === 'ALL') continue;
    out.add(`${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return [...out].sort();
}

function documentedRoutes(): string[] {
  return Object.entries(paths)
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
}

describe('§2 the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator({ strict: false });
    const result = await validator.validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)?.slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const broken = await new Validator({ strict: false }).validate({
      ...doc,
      paths: { '/x': { get: { responses: 1 } } },
    });
    expect(broken.valid, 'the validator rejects a broken document').toBe(false);
  });

  it('describes every route the app serves, and only those', () => {
    expect(documentedRoutes()).toEqual(servedRoutes());
  });

  it('has one operation per method and path, with unique operation ids', () => {
    const keys = OPERATIONS.map((o) => `${o.method} ${o.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    const ids = OPERATIONS.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('puts Basic auth on every /v2 operation and on nothing else', () => {
    for (const [p, ops] of Object.entries(paths))
      for (const [m, op] of Object.entries(ops)) {
        const basic = JSON.stringify(op.security) === JSON.stringify([{ basicAuth: [] }]);
        expect(basic, `${m} ${p}`).toBe(p.startsWith('/v2/'));
      }
    expect(doc.components).toMatchObject({ securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } } });
  });

  it('lists the catalogue error codes each operation can answer, in the error envelope', () => {
    const create = paths['/v2/accounts/{sid}/campaigns']!.post;
    for (const [key, http] of [
      ['INVALID_PHONE_NUMBER', '400'],
      ['MALFORMED_JSON', '400'],
      ['UNAUTHORIZED', '401'],
      ['FORBIDDEN', '403'],
      ['PAYLOAD_TOO_LARGE', '413'],
      ['RATE_LIMITED', '429'],
      ['ENGINE_UNAVAILABLE', '503'],
    ] as const) {
      expect(create.responses[http].description, key).toContain(`${ERROR_CODES[key].code} ${key}`);
      expect(create.responses[http].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/Error',
      });
    }
    expect(create.responses['429'].headers).toHaveProperty('Retry-After');
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['200', '207']));
  });

  it('takes request bodies and query parameters from the schemas the routes validate with', () => {
    const create = paths['/v2/accounts/{sid}/campaigns']!.post;
    const flat = create.requestBody.content['application/json'].schema.anyOf[0];
    expect(flat.properties.caller_id).toMatchObject({ type: 'string', maxLength: 32 });
    expect(flat.properties.retries.properties.number_of_retries).toMatchObject({ minimum: 0, maximum: 3 });
    expect(flat.properties.read_via_text).toMatchObject({ maxLength: 2000 });
    const list = paths['/v2/accounts/{sid}/campaigns']!.get;
    const sortBy = list.parameters.find((p: { name: string }) => p.name === 'sort_by');
    expect(sortBy.schema.enum).toEqual(['date_created:asc', 'date_created:desc', 'name:asc', 'name:desc']);
    const deliveries = paths['/v2/accounts/{sid}/campaigns/{id}/webhook-deliveries']!.get;
    expect(deliveries.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'path:sid',
      'path:id',
      'query:offset',
      'query:limit',
      'query:status',
    ]);
  });

  it('takes an Idempotency-Key on every /v2 POST, with its 409 (4005) and replay header, and nowhere else', () => {
    const key = (doc.components as { parameters: Record<string, { name: string; in: string }> }).parameters
      .IdempotencyKey!;
    expect(key).toMatchObject({ name: IDEMPOTENCY_HEADER, in: 'header', required: false });
    let posts = 0;
    for (const [p, ops] of Object.entries(paths))
      for (const [m, op] of Object.entries(ops)) {
        const takesKey = m === 'post' && p.startsWith('/v2/');
        const refs = op.parameters.filter(
          (x: { $ref?: string }) => x.$ref === '#/components/parameters/IdempotencyKey',
        );
        expect(refs.length, `${m} ${p}`).toBe(takesKey ? 1 : 0);
        expect(JSON.stringify(op.responses).includes(REPLAYED_HEADER), `${m} ${p}`).toBe(takesKey);
        if (!takesKey) continue;
        posts++;
        expect(op.responses['409'].description, `${m} ${p}`).toContain(
          `${ERROR_CODES.IDEMPOTENCY_KEY_REUSED.code} IDEMPOTENCY_KEY_REUSED`,
        );
        expect(op.responses['200'].headers, `${m} ${p}`).toHaveProperty(REPLAYED_HEADER);
        expect(op.responses['401'].headers ?? {}, `${m} ${p}: answered before the key is read`).not.toHaveProperty(
          REPLAYED_HEADER,
        );
      }
    expect(posts).toBe(OPERATIONS.filter((o) => o.method === 'post' && o.path.startsWith('/v2/')).length);
    expect(posts).toBeGreaterThanOrEqual(10);
  });

  it('describes the do-not-call list and the Twilio callbacks with what their routes read', () => {
    const add = paths['/v2/accounts/{sid}/dnc']!.post;
    const [flat, bulk] = add.requestBody.content['application/json'].schema.anyOf;
    expect(flat.properties.number).toMatchObject({ type: 'string', maxLength: 64 });
    expect(bulk.properties.numbers).toMatchObject({ minItems: 1, maxItems: 5000 });
    expect(add.responses['400'].description).toContain('INVALID_PHONE_NUMBER');
    const page = paths['/v2/accounts/{sid}/dnc']!.get.parameters.map((p: { name: string }) => p.name);
    expect(page).toEqual(['sid', 'offset', 'limit']);
    const upload = paths['/v2/accounts/{sid}/dnc/csv-upload']!.post.requestBody.content['multipart/form-data'];
    expect(upload.schema.required).toEqual(['file_name']);
    for (const m of ['get', 'delete'])
      expect(paths['/v2/accounts/{sid}/dnc/{number}']![m].responses).toHaveProperty('404');

    const status = paths['/carriers/twilio/status']!.post;
    expect(status.security).toEqual([]);
    expect(status.parameters).toContainEqual(
      expect.objectContaining({ name: 'X-Twilio-Signature', in: 'header', required: true }),
    );
    expect(status.parameters).toContainEqual(expect.objectContaining({ name: 'token', in: 'query', required: true }));
    const form = status.requestBody.content['application/x-www-form-urlencoded'].schema;
    expect(form.required).toEqual(['CallSid', 'CallStatus']);
    expect(status.responses['403'].description).toContain('FORBIDDEN');
    for (const m of ['get', 'post']) {
      const greeting = paths['/carriers/twilio/greeting']![m];
      expect(Object.keys(greeting.responses['200'].content), m).toEqual(['text/xml']);
      expect(
        greeting.parameters.map((p: { name: string }) => p.name),
        m,
      ).toEqual(['X-Twilio-Signature', 'token']);
    }
  });

  it('describes the report of ?validation=report with no_window, and the account setting behind it', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is walked as plain JSON
    const schemas = (doc.components as { schemas: Record<string, any> }).schemas;
    const window = schemas.AccountCallingWindow;
    expect(Object.keys(window.properties)).toEqual([
      'timezone',
      'calling_window',
      'calling_days',
      'recipient_local_time',
    ]);
    expect(window.properties.recipient_local_time).toMatchObject({ type: 'boolean' });
    expect(window.properties.recipient_local_time.description).toContain('no_window');
    const item = schemas.CampaignCreated.properties.response.items.anyOf.find(
      (i: { properties: { status: { const: string } } }) => i.properties.status.const === 'success',
    );
    const report = item.properties.data.anyOf.find(
      (d: { properties: Record<string, unknown> }) => 'validation' in d.properties,
    );
    expect(report.required).toEqual(expect.arrayContaining(['invalid', 'no_window']));
    expect(report.properties.no_window.description).toContain('recipient_local_time');
    expect(report.properties.no_window.items).toMatchObject({
      properties: { reason: { const: 'no_window' }, zones: { type: 'array', items: { type: 'string' } } },
      required: ['position', 'number', 'reason', 'zones'],
      additionalProperties: false,
    });
    expect(paths['/v2/accounts/{sid}/campaigns']!.post.description).toContain('AccountCallingWindow');
  });

  it('leaves out the safe-integer bounds zod gives every integer, keeping the real ones', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER));
    const list = paths['/v2/accounts/{sid}/campaigns']!.get;
    const limit = list.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1 });
  });

  it('describes responses as the envelopes of SPEC §1', () => {
    const schemas = doc.components as { schemas: Record<string, { properties: Record<string, unknown> }> };
    expect(Object.keys(schemas.schemas.Campaign!.properties)).toEqual([
      'request_id',
      'method',
      'http_code',
      'response',
    ]);
    expect(Object.keys(schemas.schemas.CampaignList!.properties)).toContain('metadata');
    expect(schemas.schemas.Error).toBeDefined();
  });

  it('is served at /openapi.json and rendered at /docs from local files', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const served = (await res.json()) as { openapi: string; paths: object };
    expect(served.openapi).toBe('3.1.0');
    expect(Object.keys(served.paths)).toEqual(Object.keys(paths));
    const page = await app.request('/docs');
    const html = await page.text();
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(
      assets.every((a) => a.startsWith('/docs/')),
      assets.join(' '),
    ).toBe(true);
    for (const asset of assets) expect((await app.request(asset)).status, asset).toBe(200);
    expect((await app.request('/docs/../package.json')).status).toBe(404);
  });
});
