/**
 * SPEC §1 "every endpoint scoped to its account" as a matrix (issue 11): each account's credentials against the other's
 * resources on every endpoint, through both account paths, the simulator's view and Exotel API and signed report URLs —
 * only 401, 403 or 404 (a collection on one's own path: 200, one's own data), no foreign data in any body, the other's
 * rows unchanged. Real HTTP, real PostgreSQL, the simulator mounted as the local stack mounts it.
 */
import { createHmac } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { simCalls, webhookDeliveries } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { signReportToken } from '../../domain/report-token';
import { createSimulatorApp, simulatorCredentials } from '../../simulator';
import { aCampaignRequest, basicAuthHeader, provisionAccount, testDeps, type TestAccount } from '../support/api';
import { multipart, postUploadBody, waitForUpload } from '../support/csv-upload';
import { freshDatabase, type TestDatabase } from '../support/db';
import { httpClient, serveApp, type HttpResponse, type ServedApp } from '../support/http-app';
import { tableCounts } from '../support/table-counts';

interface Tenant {
  account: TestAccount;
  /** Strings only this tenant's data holds (names, numbers): none may appear in the other's answers. */
  markers: string[];
  campaign: string;
  list: string;
  contact: string;
  upload: string;
  number: string;
  /** A webhook delivery of the campaign, and a call the simulator placed for the account. */
  delivery: string;
  simCall: string;
}

/** One Idempotency-Key both tenants use: a key is per account, so neither gets the other's answer. */
const SHARED_IDEMPOTENCY_KEY = 'tenant-matrix-shared-key';
const SIMULATOR_SECRET = 'tenant-matrix-secret-0123456789';

let database: TestDatabase;
let served: ServedApp;
/** The deployment's signing secret (it signs `report_url` tokens). */
let signingSecret: string;
const tenants: Record<'a' | 'b', Tenant> = {} as Record<'a' | 'b', Tenant>;

async function makeTenant(digit: string): Promise<Tenant> {
  const account = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
  const api = httpClient(served.baseUrl, account);
  const marker = `Secret${digit}${newSid().slice(0, 6)}`;
  const number = `+9198765${digit.repeat(5)}`;
  const base = `/v2/accounts/${account.sid}`;
  const ok = (res: HttpResponse) => {
    expect(res.status, res.text).toBe(200);
    return res.json.response[0].data;
  };
  const campaign = ok(
    await api('POST', `${base}/campaigns`, aCampaignRequest({ name: `${marker} campaign`, from: [number] })),
  );
  // Tenant a's list is created under an Idempotency-Key that b sends later (see the last test).
  const keyed = digit === '1' ? { 'Idempotency-Key': SHARED_IDEMPOTENCY_KEY } : undefined;
  const list = ok(await api('POST', `${base}/lists`, { name: `${marker} list` }, keyed));
  ok(await api('POST', `${base}/dnc`, { number }));
  const contact = ok(await api('POST', `${base}/contacts`, { number, first_name: `${marker}First` }));
  ok(await api('POST', `${base}/lists/${list.sid}/contacts`, { contact_references: [{ contact_sid: contact.sid }] }));
  const { body, contentType } = multipart([
    { name: 'list_name', value: `${marker} upload` },
    { name: 'file_name', filename: 'c.csv', content: `number,first_name\n${number},${marker}Csv\n` },
  ]);
  const upload = ok(await postUploadBody(served.baseUrl, account, body, contentType));
  // The import runs in the background; let it finish so the row counts hold still.
  await waitForUpload(served.baseUrl, account, upload.upload_id);
  // A webhook delivery of the campaign, abandoned (so replayable by its owner); its URL carries the marker.
  const delivery = newSid();
  await database.db.insert(webhookDeliveries).values({
    id: delivery,
    accountSid: account.sid,
    campaignId: campaign.id,
    kind: 'status',
    url: `https://hooks.example.com/${marker}`,
    payload: { campaign_sid: campaign.id, status: 'Completed' },
    status: 'abandoned',
    tries: 3,
    lastError: `${marker} receiver down`,
  });
  // A call the simulator placed for this account.
  const simCall = newSid();
  await database.db.insert(simCalls).values({
    sid: simCall,
    accountSid: account.sid,
    to: number,
    callerId: '08047112233',
    url: 'https://flows.example.com/1',
    customField: `${marker}Cf`,
    statusCallback: 'http://127.0.0.1:1/carriers/exotel/status?token=1_0123456789abcdef0123456789abcdef',
    attemptNumber: 1,
    outcome: 'completed',
    status: 'completed',
    duration: 1,
    createdAt: new Date(),
    callbackDueAt: new Date(),
    callbackSentAt: new Date(),
  });
  return {
    account,
    markers: [marker, number, number.slice(3)],
    campaign: campaign.id,
    list: list.sid,
    contact: contact.sid,
    upload: upload.upload_id,
    number,
    delivery,
    simCall,
  };
}

beforeAll(async () => {
  database = await freshDatabase();
  const deps = testDeps(database.db);
  signingSecret = deps.signingSecret;
  const simulator = createSimulatorApp({
    db: database.db,
    log: pino({ level: 'silent' }),
    ringMs: 0,
    talkMs: 0,
    secret: SIMULATOR_SECRET,
  });
  served = await serveApp(createApp(deps, { mount: { '/simulator': simulator } }));
  tenants.a = await makeTenant('1');
  tenants.b = await makeTenant('2');
});
afterAll(async () => {
  await served?.stop();
  await database?.drop();
});

type Ids = Pick<Tenant, 'campaign' | 'list' | 'contact' | 'upload' | 'number' | 'delivery'>;

/** Every endpoint that names one resource, with the resource ids of the tenant it is aimed at. */
const RESOURCE_ENDPOINTS: Array<[string, (ids: Ids) => string, ((ids: Ids) => unknown)?]> = [
  ['GET', (i) => `/campaigns/${i.campaign}`],
  ['PUT', (i) => `/campaigns/${i.campaign}`, () => ({ name: 'taken over' })],
  ['PUT', (i) => `/campaigns/${i.campaign}`, () => ({ action: 'pause' })],
  ['DELETE', (i) => `/campaigns/${i.campaign}`],
  ['GET', (i) => `/campaigns/${i.campaign}/call-details`],
  ['GET', (i) => `/campaigns/${i.campaign}/call-details?format=csv`],
  ['GET', (i) => `/campaign/${i.campaign}/call-details`],
  ['GET', (i) => `/campaigns/${i.campaign}/numbers`],
  ['GET', (i) => `/campaigns/${i.campaign}/report.csv`],
  ['GET', (i) => `/campaigns/${i.campaign}/webhook-deliveries`],
  ['GET', (i) => `/campaigns/${i.campaign}/webhook-deliveries?status=abandoned`],
  ['POST', (i) => `/campaigns/${i.campaign}/webhook-deliveries/${i.delivery}/replay`],
  ['GET', (i) => `/lists/${i.list}`],
  ['PUT', (i) => `/lists/${i.list}`, () => ({ name: 'taken over' })],
  ['DELETE', (i) => `/lists/${i.list}`],
  ['GET', (i) => `/lists/${i.list}/contacts`],
  ['POST', (i) => `/lists/${i.list}/contacts`, (i) => ({ contact_references: [{ contact_sid: i.contact }] })],
  ['DELETE', (i) => `/lists/${i.list}/contacts/${i.contact}`],
  ['GET', (i) => `/contact-lists/${i.list}`],
  ['PUT', (i) => `/contact-lists/${i.list}`, () => ({ name: 'taken over' })],
  ['DELETE', (i) => `/contact-lists/${i.list}`],
  ['GET', (i) => `/contact-lists/${i.list}/contacts`],
  ['POST', (i) => `/contact-lists/${i.list}/contacts`, (i) => ({ contact_references: [{ contact_sid: i.contact }] })],
  ['DELETE', (i) => `/contact-lists/${i.list}/contacts/${i.contact}`],
  ['GET', (i) => `/contacts/${i.contact}`],
  ['PUT', (i) => `/contacts/${i.contact}`, () => ({ first_name: 'taken over' })],
  ['DELETE', (i) => `/contacts/${i.contact}`],
  ['GET', (i) => `/csv-status/${i.upload}`],
  ['GET', (i) => `/dnc/${encodeURIComponent(i.number)}`],
  ['DELETE', (i) => `/dnc/${encodeURIComponent(i.number)}`],
];

/** Writes to a collection: refused on the other's path (on one's own they would create one's own rows). */
const COLLECTION_WRITES: Array<[string, (ids: Ids) => string, (ids: Ids) => unknown]> = [
  ['POST', () => '/campaigns', () => aCampaignRequest({ name: 'planted' })],
  ['POST', () => '/lists', () => ({ name: 'planted' })],
  ['PUT', () => '/lists', (i) => ({ sid: i.list, name: 'taken over' })],
  ['POST', () => '/contact-lists', () => ({ name: 'planted' })],
  ['PUT', () => '/contact-lists', (i) => ({ sid: i.list, name: 'taken over' })],
  ['POST', () => '/contacts', () => ({ number: '+919876500001' })],
  ['PUT', () => '/contacts', (i) => ({ sid: i.contact, first_name: 'taken over' })],
  ['DELETE', () => '/contacts', (i) => ({ sid: i.contact })],
  ['POST', () => '/contacts/csv-upload', () => 'number\n+919876500004\n'],
  ['POST', () => '/dnc', () => ({ number: '+919876500002' })],
  ['POST', () => '/dnc/csv-upload', () => 'number\n+919876500003\n'],
];

/** Collections: on one's own path they answer with one's own data only. */
const COLLECTION_ENDPOINTS: Array<[string, (ids: Ids) => string, ((ids: Ids) => unknown)?]> = [
  ['GET', () => '/campaigns?limit=500'],
  ['GET', () => '/campaigns?status=Created,Deleted'],
  ['GET', () => '/lists?limit=500'],
  ['GET', () => '/contact-lists?limit=500'],
  ['GET', () => '/contacts?limit=20'],
  ['GET', (i) => `/contacts?list_sids=${i.list}&filter=show_list`],
  ['GET', () => '/dnc?limit=500'],
];

/** Endpoints whose body names the other tenant's resource: it is refused as if it did not exist. */
const BODY_REFERENCES: Array<[string, (ids: Ids, own: Ids) => string, (ids: Ids) => unknown, number[]]> = [
  ['PUT', () => '/lists', (i) => ({ sid: i.list, name: 'taken over' }), [404]],
  ['PUT', () => '/contacts', (i) => ({ sid: i.contact, first_name: 'taken over' }), [404]],
  ['DELETE', () => '/contacts', (i) => ({ sid: i.contact }), [404]],
  ['DELETE', () => '/contacts', (i) => ({ contacts: [{ sid: i.contact }] }), [207]],
  [
    'POST',
    (_i, own) => `/lists/${own.list}/contacts`,
    (i) => ({ contact_references: [{ contact_sid: i.contact }] }),
    [207, 404],
  ],
  ['POST', () => '/campaigns', (i) => aCampaignRequest({ from: undefined, lists: [i.list] }), [400]],
  // One's own campaign, the other's delivery id.
  ['POST', (i, own) => `/campaigns/${own.campaign}/webhook-deliveries/${i.delivery}/replay`, () => ({}), [404]],
];

/** No marker of `foreign` in the answer, but one the request itself carried (an echoed path or query value). */
function expectNoForeignData(res: HttpResponse, foreign: Tenant, what: string, asked = ''): void {
  for (const marker of foreign.markers) {
    if (decodeURIComponent(asked).includes(marker)) continue;
    expect(res.text, `${what} leaks ${marker}`).not.toContain(marker);
  }
}

/** What the other tenant owns, as it reads it itself: must be the same after every attempt. */
async function ownView(t: Tenant): Promise<string[]> {
  const api = httpClient(served.baseUrl, t.account);
  const base = `/v2/accounts/${t.account.sid}`;
  const paths = [
    `/campaigns/${t.campaign}`,
    `/lists/${t.list}`,
    `/lists/${t.list}/contacts`,
    `/contacts/${t.contact}`,
    `/csv-status/${t.upload}`,
    `/dnc/${encodeURIComponent(t.number)}`,
    '/dnc?limit=500',
    `/campaigns/${t.campaign}/webhook-deliveries`,
  ];
  const bodies = await Promise.all(paths.map((p) => api('GET', `${base}${p}`)));
  // The envelope's request_id differs per request; the data must not.
  return bodies.map((r) => JSON.stringify({ status: r.status, response: r.json.response }));
}

describe('§1 tenant matrix: each account against the other’s resources', () => {
  it.each([
    ['a', 'b'],
    ['b', 'a'],
  ] as const)('%s’s credentials on %s’s resources', async (me, them) => {
    const self = tenants[me];
    const other = tenants[them];
    const api = httpClient(served.baseUrl, self.account);
    const before = { counts: await tableCounts(database.db), view: await ownView(other) };
    const otherPath = `/v2/accounts/${other.account.sid}`;
    const ownPath = `/v2/accounts/${self.account.sid}`;

    for (const [method, path, body] of RESOURCE_ENDPOINTS) {
      // The other's path: 403 whatever the resource.
      const viaTheirs = await api(method, `${otherPath}${path(other)}`, body?.(other));
      expect(viaTheirs.status, `${method} ${otherPath}${path(other)}: ${viaTheirs.text}`).toBe(403);
      expectNoForeignData(viaTheirs, other, `${method} their path`, path(other));
      // One's own path with the other's ids: as if the resource did not exist.
      const viaMine = await api(method, `${ownPath}${path(other)}`, body?.(other));
      expect(viaMine.status, `${method} ${ownPath}${path(other)}: ${viaMine.text}`).toBe(404);
      expectNoForeignData(viaMine, other, `${method} own path`, path(other));
    }
    for (const [method, path, body] of COLLECTION_ENDPOINTS) {
      const viaTheirs = await api(method, `${otherPath}${path(other)}`, body?.(other));
      expect(viaTheirs.status, `${method} ${otherPath}${path(other)}`).toBe(403);
      const viaMine = await api(method, `${ownPath}${path(other)}`, body?.(other));
      expect(viaMine.status, `${method} ${ownPath}${path(other)}: ${viaMine.text}`).toBe(200);
      expectNoForeignData(viaTheirs, other, `${method} their collection`);
      expectNoForeignData(viaMine, other, `${method} own collection`);
    }
    for (const [method, path, body] of COLLECTION_WRITES) {
      const viaTheirs = await api(method, `${otherPath}${path(other)}`, body(other));
      expect(viaTheirs.status, `${method} ${otherPath}${path(other)}: ${viaTheirs.text}`).toBe(403);
      expectNoForeignData(viaTheirs, other, `${method} their collection write`);
    }
    for (const [method, path, body, statuses] of BODY_REFERENCES) {
      const res = await api(method, `${ownPath}${path(other, self)}`, body(other));
      expect(statuses, `${method} ${path(other, self)}: ${res.text}`).toContain(res.status);
      if (res.status === 207) {
        for (const item of res.json.response) expect(item.code, res.text).toBe(404);
      }
      expectNoForeignData(res, other, `${method} ${path(other, self)} body reference`);
    }
    // The simulator's view with one's own credentials shows none of the other's calls.
    const sim = await api('GET', `/simulator/calls?number=${encodeURIComponent(other.number)}`);
    expect(sim.status).toBe(200);
    // (It echoes the number asked about, which the caller gave; it lists none of the other's calls.)
    expect(sim.json).toEqual({ number: other.number, requests: [] });

    // The simulator's Exotel API: one's own simulator credentials open one's own simulator account only.
    const own = simulatorCredentials(self.account.sid, SIMULATOR_SECRET);
    const simApi = (method: string, path: string, body?: string) =>
      fetch(`${served.baseUrl}/simulator/v1/Accounts/${path}`, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(`${own.apiKey}:${own.apiToken}`).toString('base64')}`,
          ...(body !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(body !== undefined && { body }),
      });
    const connect = `From=${encodeURIComponent(other.number)}&CallerId=08047112233&Url=https%3A%2F%2Fflows.example.com`;
    for (const [method, path, body] of [
      ['GET', `${other.account.sid}/Calls.json`],
      ['GET', `${other.account.sid}/Calls/${other.simCall}.json`],
      ['POST', `${other.account.sid}/Calls/connect.json`, connect],
    ] as const) {
      const res = await simApi(method, path, body);
      const text = await res.text();
      expect(res.status, `${method} simulator ${path}: ${text}`).toBe(401);
      for (const marker of other.markers) expect(text, `simulator ${path} leaks ${marker}`).not.toContain(marker);
    }
    const viaOwnSim = await simApi('GET', `${self.account.sid}/Calls/${other.simCall}.json`);
    expect(viaOwnSim.status).toBe(404);
    const ownCalls = await simApi('GET', `${self.account.sid}/Calls.json?From=${encodeURIComponent(other.number)}`);
    expect(ownCalls.status).toBe(200);
    expect(((await ownCalls.json()) as { Calls: unknown[] }).Calls).toEqual([]);

    // A signed report_url of one's own campaign opens no other campaign's report.
    const token = signReportToken(createHmac, signingSecret, self.campaign, Date.now());
    const report = await fetch(`${served.baseUrl}/reports/${other.campaign}/report.csv?token=${token}`);
    const reportText = await report.text();
    expect(report.status, reportText).toBe(401);
    for (const marker of other.markers) expect(reportText, `report leaks ${marker}`).not.toContain(marker);

    expect(await tableCounts(database.db)).toEqual(before.counts);
    expect(await ownView(other)).toEqual(before.view);
  });

  it('answers 401 to every endpoint without credentials or with wrong ones, leaking nothing', async () => {
    const t = tenants.a;
    const path = `/v2/accounts/${t.account.sid}`;
    const strangers = [
      httpClient(served.baseUrl, null),
      httpClient(served.baseUrl, { ...t.account, auth: basicAuthHeader(t.account.key, 'not-the-token') }),
    ];
    for (const api of strangers) {
      for (const [method, p, body] of [...RESOURCE_ENDPOINTS, ...COLLECTION_ENDPOINTS, ...COLLECTION_WRITES]) {
        const res = await api(method, `${path}${p(t)}`, body?.(t));
        expect(res.status, `${method} ${path}${p(t)}`).toBe(401);
        expectNoForeignData(res, t, `${method} stranger`);
      }
      const sim = await api('GET', `/simulator/calls?number=${encodeURIComponent(t.number)}`);
      expect(sim.status).toBe(401);
      expectNoForeignData(sim, t, 'simulator stranger');
    }
  });

  it('keeps an Idempotency-Key per account: the other’s key runs afresh, replaying nothing', async () => {
    const [a, b] = [tenants.a, tenants.b];
    const api = httpClient(served.baseUrl, b.account);
    const path = `/v2/accounts/${b.account.sid}/lists`;
    // The same key and the same body as tenant a's list create: a fresh create of b's own list.
    const body = { name: `${a.markers[0]} list` };
    const res = await api('POST', path, body, { 'Idempotency-Key': SHARED_IDEMPOTENCY_KEY });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect(res.json.response[0].data.sid).not.toBe(a.list);
  });
});
