/**
 * The fuzz suite's requests (issue 11): one fast-check arbitrary over every endpoint, mixing bodies,
 * query strings and path segments generated from the zod request schemas (`schema-arbitrary.ts`)
 * with hand-written hostile shapes (`hostile.ts`). A request is data (method, path, headers, body),
 * so a seeded sample is the same on every machine.
 */
import fc from 'fast-check';
import { campaignCreateSchema, listCampaignsQuerySchema } from '../../../domain/schemas/campaign';
import { callDetailsQuerySchema } from '../../../domain/schemas/call-details';
import { campaignNumbersQuerySchema } from '../../../domain/schemas/campaign-numbers';
import {
  contactBulkUpdateItemSchema,
  contactCreateItemSchema,
  contactDeleteItemSchema,
  contactUpdateItemSchema,
  contactsQuerySchema,
} from '../../../domain/schemas/contact';
import {
  contactReferenceSchema,
  listBulkUpdateItemSchema,
  listCreateItemSchema,
  listMembersQuerySchema,
  listsQuerySchema,
  listUpdateItemSchema,
} from '../../../domain/schemas/list';
import { REFUSED_URLS } from '../refused-urls';
import {
  brokenMultipart,
  hostileCsv,
  hostileQueryValue,
  hostileRawBody,
  hostileSegment,
  hostileString,
  withDuplicateKey,
} from './hostile';
import { dncRequest, laterRouteRequest, twilioRequest, withIdempotencyKey } from './more-routes';
import { arbitraryOf, jsonSchemaOf, type Hints, type JsonSchema } from './schema-arbitrary';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** What kind of request this is, for the report. */
  kind: string;
}

/** What a lane has created before fuzzing, so generated requests can name real resources. */
export interface FuzzFixtures {
  accountSid: string;
  auth: string;
  campaign: string;
  list: string;
  contact: string;
  upload: string;
  /** A well-formed attempt token that names no attempt. */
  token: string;
  /** A webhook delivery of `campaign`. */
  delivery: string;
  /** The `authorization` header of the account's own simulator credentials. */
  simulatorAuth: string;
}

const schemas = {
  campaign: jsonSchemaOf(campaignCreateSchema),
  listCreate: jsonSchemaOf(listCreateItemSchema),
  listUpdate: jsonSchemaOf(listUpdateItemSchema),
  listBulkUpdate: jsonSchemaOf(listBulkUpdateItemSchema),
  contactRef: jsonSchemaOf(contactReferenceSchema),
  contactCreate: jsonSchemaOf(contactCreateItemSchema),
  contactUpdate: jsonSchemaOf(contactUpdateItemSchema),
  contactBulkUpdate: jsonSchemaOf(contactBulkUpdateItemSchema),
  contactDelete: jsonSchemaOf(contactDeleteItemSchema),
  campaignsQuery: jsonSchemaOf(listCampaignsQuerySchema),
  listsQuery: jsonSchemaOf(listsQuerySchema),
  contactsQuery: jsonSchemaOf(contactsQuerySchema),
  membersQuery: jsonSchemaOf(listMembersQuerySchema),
  callDetailsQuery: jsonSchemaOf(callDetailsQuerySchema),
  numbersQuery: jsonSchemaOf(campaignNumbersQuerySchema),
};

const PHONES = ['+919876543210', '09876543211', '01140002400', '+14155550123', '9876543216', '+919876543000'];

function hints(f: FuzzFixtures): Hints {
  const phone = fc.oneof(fc.constantFrom(...PHONES), fc.stringMatching(/^\+?[0-9]{6,14}$/));
  const url = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom('https://flows.example.com/start_voice/926', 'https://hooks.example.com/cb'),
    },
    fc.constantFrom(...REFUSED_URLS),
    fc.webUrl(),
  );
  const instant = fc
    .integer({ min: -2 * 86_400, max: 400 * 86_400 })
    .map((s) => new Date(Date.now() + s * 1000).toISOString().replace(/\.\d{3}Z$/, '+05:30'));
  return {
    from: fc.oneof(
      fc.array(phone, { minLength: 1, maxLength: 6 }),
      phone.map((p) => `${p},${PHONES[0]}`),
    ),
    number: phone,
    caller_id: fc.constantFrom('08047112233', '0804711223300', '1'),
    url,
    call_status_callback: url,
    call_schedule_callback: url,
    status_callback: url,
    lists: fc.array(fc.constantFrom(f.list, f.list.toUpperCase(), '0123456789abcdef0123456789abcdef'), {
      maxLength: 3,
    }),
    sid: fc.constantFrom(f.list, f.contact, f.campaign),
    contact_sid: fc.constantFrom(f.contact, f.list),
    read_via_text: fc.constantFrom('Hello @@first_name', 'Your parcel arrives today'),
    schedule: fc.record({ send_at: instant, end_at: instant }, { requiredKeys: [] }),
    action: fc.constantFrom('pause', 'resume', 'complete', 'archive', 'PAUSE', 'explode'),
    name: fc.oneof(fc.string({ minLength: 3, maxLength: 30 }), hostileString()),
  };
}

const json = (s: JsonSchema, f: FuzzFixtures) => arbitraryOf(s, hints(f));
const bulk = (key: string, item: fc.Arbitrary<unknown>) =>
  fc.oneof(
    item,
    fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => ({ [key]: items })),
  );

/** JSON bodies from the schemas, for each endpoint that takes one. */
function schemaBodies(f: FuzzFixtures): fc.Arbitrary<{ method: string; path: string; body: unknown; query?: string }> {
  const c = `/campaigns/${f.campaign}`;
  const l = `/lists/${f.list}`;
  return fc.oneof(
    {
      weight: 4,
      arbitrary: bulk('campaigns', json(schemas.campaign, f)).map((body) => ({
        method: 'POST',
        path: '/campaigns',
        body,
      })),
    },
    bulk('campaigns', json(schemas.campaign, f)).map((body) => ({
      method: 'POST',
      path: '/campaigns',
      body,
      query: 'validation=report',
    })),
    { weight: 2, arbitrary: json(schemas.campaign, f).map((body) => ({ method: 'PUT', path: c, body })) },
    fc.jsonValue({ maxDepth: 2 }).map((body) => ({ method: 'DELETE', path: c, body })),
    bulk('lists', json(schemas.listCreate, f)).map((body) => ({ method: 'POST', path: '/lists', body })),
    bulk('lists', json(schemas.listBulkUpdate, f)).map((body) => ({ method: 'PUT', path: '/lists', body })),
    json(schemas.listUpdate, f).map((body) => ({ method: 'PUT', path: l, body })),
    bulk('contact_references', json(schemas.contactRef, f)).map((body) => ({
      method: 'POST',
      path: `${l}/contacts`,
      body,
    })),
    {
      weight: 2,
      arbitrary: bulk('contacts', json(schemas.contactCreate, f)).map((body) => ({
        method: 'POST',
        path: '/contacts',
        body,
      })),
    },
    bulk('contacts', json(schemas.contactBulkUpdate, f)).map((body) => ({ method: 'PUT', path: '/contacts', body })),
    bulk('contacts', json(schemas.contactDelete, f)).map((body) => ({ method: 'DELETE', path: '/contacts', body })),
    json(schemas.contactUpdate, f).map((body) => ({ method: 'PUT', path: `/contacts/${f.contact}`, body })),
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/xml',
  'application/json; charset=latin1',
  '',
];

function jsonRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(schemaBodies(f), fc.constantFrom(...CONTENT_TYPES), fc.option(hostileString(), { freq: 6 }))
    .map(([{ method, path, body, query }, contentType, dup]) => {
      let text = JSON.stringify(body) ?? 'null';
      if (dup !== null) text = withDuplicateKey(text, 'name', dup);
      return {
        method,
        path: `/v2/accounts/${f.accountSid}${path}${query ? `?${query}` : ''}`,
        headers: { authorization: f.auth, ...(contentType && { 'content-type': contentType }) },
        body: text,
        kind: `schema ${method} ${path.replace(/[0-9a-f]{32}/g, '{id}')}`,
      };
    });
}

/** Query strings from the query schemas, with hostile values and repeated or unknown parameters. */
function queryRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const c = `/campaigns/${f.campaign}`;
  const endpoints: Array<[string, JsonSchema]> = [
    ['/campaigns', schemas.campaignsQuery],
    ['/lists', schemas.listsQuery],
    ['/contact-lists', schemas.listsQuery],
    ['/contacts', schemas.contactsQuery],
    [`/lists/${f.list}/contacts`, schemas.membersQuery],
    [`${c}/call-details`, schemas.callDetailsQuery],
    [`/campaign/${f.campaign}/call-details`, schemas.callDetailsQuery],
    [`${c}/numbers`, schemas.numbersQuery],
    [`${c}/report.csv`, schemas.numbersQuery],
  ];
  return fc
    .constantFrom(...endpoints)
    .chain(([path, schema]) =>
      fc.tuple(
        fc.constant(path),
        arbitraryOf(schema, hints(f)),
        fc.array(
          fc.tuple(fc.constantFrom('name', 'status', 'limit', 'offset', 'format', 'x', '%00'), hostileQueryValue()),
          { maxLength: 3 },
        ),
      ),
    )
    .map(([path, values, extra]) => {
      const pairs: string[] = [];
      if (values && typeof values === 'object') {
        for (const [k, v] of Object.entries(values)) {
          const text = typeof v === 'string' ? v : JSON.stringify(v);
          pairs.push(
            `${encodeURIComponent(k.replace(/[\ud800-\udfff]/g, '\u0000'))}=` +
              encodeURIComponent(String(text).replace(/[\ud800-\udfff]/g, '\u0000')),
          );
        }
      }
      for (const [k, v] of extra) pairs.push(`${k}=${v}`);
      return {
        method: 'GET',
        path: `/v2/accounts/${f.accountSid}${path}?${pairs.join('&')}`,
        headers: { authorization: f.auth },
        kind: `query GET ${path.replace(/[0-9a-f]{32}/g, '{id}')}`,
      };
    });
}

/** Hostile segments where ids (or the account sid) go, with any method. */
function pathRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const templates = [
    '/campaigns/{x}',
    '/campaigns/{x}/call-details',
    '/campaign/{x}/call-details',
    '/campaigns/{x}/numbers',
    '/campaigns/{x}/report.csv',
    '/lists/{x}',
    '/lists/{x}/contacts',
    `/lists/${f.list}/contacts/{x}`,
    '/contact-lists/{x}',
    '/contacts/{x}',
    '/csv-status/{x}',
    '/{x}',
  ];
  return fc
    .tuple(
      fc.constantFrom(...templates),
      hostileSegment(),
      fc.constantFrom('GET', 'GET', 'PUT', 'DELETE', 'POST', 'PATCH', 'OPTIONS', 'HEAD'),
      fc.boolean(),
    )
    .map(([template, seg, method, inAccount]) => ({
      method,
      path: inAccount
        ? `/v2/accounts/${seg}${template.replace('{x}', f.list)}`
        : `/v2/accounts/${f.accountSid}${template.replace('{x}', seg)}`,
      headers: { authorization: f.auth, 'content-type': 'application/json' },
      ...(method !== 'GET' && method !== 'HEAD' && { body: '{"name":"fuzzed name"}' }),
      kind: `path ${method} ${inAccount ? '/v2/accounts/{x}' : template}`,
    }));
}

function rawBodyRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const targets = [
    ['POST', '/campaigns'],
    ['PUT', `/campaigns/${f.campaign}`],
    ['POST', '/lists'],
    ['PUT', `/lists/${f.list}`],
    ['POST', '/contacts'],
    ['PUT', '/contacts'],
    ['DELETE', `/campaigns/${f.campaign}`],
    ['POST', `/lists/${f.list}/contacts`],
  ] as const;
  return fc.tuple(fc.constantFrom(...targets), hostileRawBody()).map(([[method, path], raw]) => ({
    method,
    path: `/v2/accounts/${f.accountSid}${path}`,
    headers: { authorization: f.auth, ...(raw.contentType && { 'content-type': raw.contentType }) },
    body: raw.body,
    kind: `raw ${raw.label.replace(/\d+/g, 'N')}`,
  }));
}

/** CSV uploads: well-framed multipart with hostile fields and files, and broken framing. */
function uploadRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const b = 'fuzzUploadBoundary';
  const framed = fc
    .tuple(
      fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), hostileString()),
      fc.constantFrom('static', 'dynamic', 'STATIC', 'other', ''),
      fc.oneof(fc.constant('contacts.csv'), hostileString()),
      hostileCsv(),
    )
    .map(([listName, type, filename, csv]) => {
      const head = (name: string, file?: string) =>
        `--${b}\r\nContent-Disposition: form-data; name="${name}"` +
        `${file !== undefined ? `; filename="${file.replace(/["\r\n]/g, '_')}"` : ''}\r\n\r\n`;
      const body = Buffer.concat([
        Buffer.from(`${head('list_name')}${listName}\r\n${head('type')}${type}\r\n${head('file_name', filename)}`),
        csv,
        Buffer.from(`\r\n--${b}--\r\n`),
      ]);
      return { body, contentType: `multipart/form-data; boundary=${b}`, label: 'framed' };
    });
  return fc.oneof({ weight: 2, arbitrary: framed }, brokenMultipart()).map((raw) => ({
    method: 'POST',
    path: `/v2/accounts/${f.accountSid}/contacts/csv-upload`,
    headers: { authorization: f.auth, ...(raw.contentType && { 'content-type': raw.contentType }) },
    body: raw.body,
    kind: `upload ${raw.label}`,
  }));
}

/** The endpoints without Basic auth: carrier callbacks, the greeting, signed reports, the simulator view. */
function unauthenticatedRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const token = fc.oneof(fc.constant(f.token), hostileQueryValue(), fc.constant(''));
  const body = fc.oneof(
    fc
      .record(
        { CallSid: fc.oneof(fc.string(), hostileString()), Status: fc.constantFrom('busy', 'completed', 'x') },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
    hostileRawBody().map((r) => r.body),
  );
  return fc.oneof(
    fc.tuple(token, body).map(([t, b]) => ({
      method: 'POST',
      path: `/carriers/exotel/status?token=${t}`,
      headers: { 'content-type': 'application/json' },
      body: b,
      kind: 'callback status',
    })),
    fc.tuple(token, hostileQueryValue()).map(([t, sid]) => ({
      method: 'GET',
      path: `/carriers/exotel/greeting?CustomField=${t}&CallSid=${sid}`,
      headers: {},
      kind: 'callback greeting',
    })),
    fc.tuple(hostileSegment(), hostileQueryValue()).map(([id, t]) => ({
      method: 'GET',
      path: `/reports/${id}/report.csv?token=${t}`,
      headers: {},
      kind: 'signed report',
    })),
    hostileQueryValue().map((n) => ({
      method: 'GET',
      path: `/simulator/calls?number=${n}`,
      headers: { authorization: f.auth },
      kind: 'simulator view',
    })),
    fc
      .constantFrom(
        'Basic',
        'Basic !!!',
        `Basic ${Buffer.from('nocolon').toString('base64')}`,
        `Basic ${Buffer.from('k\u0000:t').toString('base64')}`,
        'Bearer x',
        `Basic ${'A'.repeat(8000)}`,
      )
      .map((authorization) => ({
        method: 'GET',
        path: `/v2/accounts/${f.accountSid}/campaigns`,
        headers: { authorization },
        kind: 'auth malformed',
      })),
  );
}

/** Every kind of request, weighted. */
export function fuzzRequest(f: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  return withIdempotencyKey(
    fc.oneof(
      { weight: 40, arbitrary: jsonRequest(f) },
      { weight: 16, arbitrary: queryRequest(f) },
      { weight: 16, arbitrary: pathRequest(f) },
      { weight: 10, arbitrary: rawBodyRequest(f) },
      { weight: 5, arbitrary: uploadRequest(f) },
      { weight: 8, arbitrary: unauthenticatedRequest(f) },
      { weight: 8, arbitrary: dncRequest(f) },
      { weight: 4, arbitrary: twilioRequest(f) },
      { weight: 10, arbitrary: laterRouteRequest(f) },
    ),
  );
}
