/**
 * SPEC §6.3 at send time (issue 11, findings 2 and 7): a webhook goes to the address that was
 * checked (one resolution, pinned in the HTTP client's dispatcher), a name that resolves to a
 * refused address is refused, a redirect is never followed, and URL userinfo never reaches a log
 * line or a stored error. Real database, real local receivers, a resolver stub for names.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedAddress, ResolveHost } from '../../activities/pinned-http';
import { createWebhookActivities } from '../../activities/webhooks';
import { upsertAccount } from '../../db/queries/accounts';
import { webhookDeliveries } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { freshDatabase, type TestDatabase } from '../support/db';

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
}

let database: TestDatabase;
const servers: Server[] = [];
let receiverPort: number;
let redirectorPort: number;
let hits: Hit[] = [];
let redirectHits: Hit[] = [];

async function listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  database = await freshDatabase();
  await upsertAccount(database.db, {
    sid: 'ssrf',
    api_key: 'ssrf-key',
    api_token: 'ssrf-token-0123456789abcdef',
    webhook_secret: 'whsec_0123456789abcdef0123456789',
  });
  receiverPort = await listen((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers });
      res.writeHead(200).end('ok');
    });
  });
  // Answers every request with a redirect to the receiver (on loopback).
  redirectorPort = await listen((req, res) => {
    req.resume();
    req.on('end', () => {
      redirectHits.push({ path: req.url ?? '', headers: req.headers });
      const status = Number(/status=(\d+)/.exec(req.url ?? '')?.[1] ?? 302);
      res.writeHead(status, { location: `http://127.0.0.1:${receiverPort}/after-redirect` }).end();
    });
  });
});
afterAll(async () => {
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  await database?.drop();
});
beforeEach(() => {
  hits = [];
  redirectHits = [];
});

async function insertDelivery(url: string): Promise<string> {
  const id = newSid();
  await database.db.insert(webhookDeliveries).values({
    id,
    accountSid: 'ssrf',
    campaignId: newSid(),
    kind: 'status',
    url,
    payload: { campaign_sid: 'c1', status: 'Completed' },
  });
  return id;
}

const row = async (id: string) =>
  (await database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)))[0]!;

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** A resolver stub: answers each call for a name with the next of its addresses (the last repeats). */
function stubResolver(answers: Record<string, ResolvedAddress[][]>): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const list = answers[host];
    if (!list) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
    return list[Math.min(calls.filter((h) => h === host).length, list.length) - 1]!;
  };
  return Object.assign(resolve, { calls });
}

const v4 = (address: string): ResolvedAddress[] => [{ address, family: 4 }];

describe('§6.3 a name is resolved once, judged, and the connection goes to that address', () => {
  it('refuses a name that resolves to loopback: abandoned, nothing sent', async () => {
    const resolve = stubResolver({ 'hooks.example.test': [v4('127.0.0.1')] });
    const hooks = createWebhookActivities({ db: database.db, allowLoopback: false, allowPrivate: false, resolve });
    const id = await insertDelivery(`http://hooks.example.test:${receiverPort}/hook`);
    const err = await failure(hooks.deliverWebhook({ deliveryId: id }));
    expect(err).toMatchObject({ type: 'WebhookRefused', nonRetryable: true });
    expect(await row(id)).toMatchObject({
      status: 'abandoned',
      lastError: 'refused by the outbound URL policy: hooks.example.test resolves to 127.0.0.1 is a loopback address',
    });
    expect(hits).toHaveLength(0);
  });

  it('refuses a name when any one of its addresses is refused', async () => {
    const resolve = stubResolver({ 'mixed.example.test': [[...v4('93.184.216.34'), ...v4('169.254.169.254')]] });
    const hooks = createWebhookActivities({ db: database.db, allowLoopback: true, allowPrivate: true, resolve });
    const id = await insertDelivery(`http://mixed.example.test:${receiverPort}/hook`);
    expect(await failure(hooks.deliverWebhook({ deliveryId: id }))).toMatchObject({ type: 'WebhookRefused' });
    expect(hits).toHaveLength(0);
  });

  it('connects to the checked address even when the name would resolve elsewhere on a second lookup', async () => {
    // A rebinding name: the checked answer is the receiver; any later lookup would give 127.0.0.2,
    // where nothing listens. The delivery must use the first answer and never look the name up again.
    const resolve = stubResolver({ 'rebind.example.test': [v4('127.0.0.1'), v4('127.0.0.2')] });
    const hooks = createWebhookActivities({ db: database.db, allowLoopback: true, allowPrivate: false, resolve });
    const id = await insertDelivery(`http://rebind.example.test:${receiverPort}/pinned`);
    expect(await hooks.deliverWebhook({ deliveryId: id })).toMatchObject({ status: 'delivered', httpStatus: 200 });
    expect(resolve.calls).toEqual(['rebind.example.test']);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ path: '/pinned', headers: { host: `rebind.example.test:${receiverPort}` } });
  });

  it('treats a name that does not resolve as a retryable failure', async () => {
    const resolve = stubResolver({});
    const hooks = createWebhookActivities({ db: database.db, allowLoopback: true, allowPrivate: false, resolve });
    const id = await insertDelivery('http://nowhere.example.test/hook');
    expect(await failure(hooks.deliverWebhook({ deliveryId: id }))).toMatchObject({
      type: 'WebhookFailed',
      nonRetryable: false,
    });
    expect(await row(id)).toMatchObject({ status: 'pending', tries: 1 });
  });
});

describe('§6.3 redirects are not followed', () => {
  it.each([301, 302, 303, 307, 308])('a %i to loopback is a failed delivery; the target gets nothing', async (code) => {
    const hooks = createWebhookActivities({ db: database.db, allowLoopback: true, allowPrivate: false });
    const id = await insertDelivery(`http://127.0.0.1:${redirectorPort}/hook?status=${code}`);
    expect(await failure(hooks.deliverWebhook({ deliveryId: id }))).toMatchObject({ type: 'WebhookFailed' });
    expect(await row(id)).toMatchObject({ status: 'pending', lastHttpStatus: code });
    expect(redirectHits).toHaveLength(1);
    expect(hits).toHaveLength(0);
  });
});

describe('§6.3 URL userinfo is never logged', () => {
  function capture() {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    });
    return { log: pino({ level: 'info' }, stream), text: () => chunks.join('') };
  }

  it('logs and stores a refused URL without its password', async () => {
    const out = capture();
    const hooks = createWebhookActivities({ db: database.db, log: out.log, allowLoopback: false, allowPrivate: false });
    const id = await insertDelivery(`http://user:s3cretpw@127.0.0.1:${receiverPort}/hook`);
    await failure(hooks.deliverWebhook({ deliveryId: id }));
    expect(out.text()).toContain('Webhook refused');
    expect(out.text()).toContain(`http://[redacted]@127.0.0.1:${receiverPort}/hook`);
    expect(out.text()).not.toContain('s3cretpw');
    expect((await row(id)).lastError).not.toContain('s3cretpw');
  });

  it('sends the userinfo as Basic credentials, and logs the delivery without it', async () => {
    const out = capture();
    const hooks = createWebhookActivities({ db: database.db, log: out.log, allowLoopback: true, allowPrivate: false });
    const id = await insertDelivery(`http://user:s3cret%40pw@127.0.0.1:${receiverPort}/auth`);
    expect(await hooks.deliverWebhook({ deliveryId: id })).toMatchObject({ status: 'delivered' });
    expect(hits[0]!.headers.authorization).toBe(`Basic ${Buffer.from('user:s3cret@pw').toString('base64')}`);
    expect(out.text()).toContain('Webhook delivered');
    expect(out.text()).not.toContain('s3cret');
  });

  it('logs a failed POST without the password', async () => {
    const out = capture();
    const hooks = createWebhookActivities({ db: database.db, log: out.log, allowLoopback: true, allowPrivate: false });
    // Nothing listens on port 9 (discard): the connection is refused.
    const id = await insertDelivery('http://user:s3cretpw@127.0.0.1:9/hook');
    await failure(hooks.deliverWebhook({ deliveryId: id }));
    expect(out.text()).toContain('Webhook delivery failed');
    expect(out.text()).not.toContain('s3cretpw');
    expect((await row(id)).lastError).not.toContain('s3cretpw');
  });
});
