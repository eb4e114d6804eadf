/** SPEC §6.2–6.3: the webhook delivery activities against a real database and a local receiver. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWebhookActivities } from '../../activities/webhooks';
import { upsertAccount } from '../../db/queries/accounts';
import { webhookDeliveries } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { freshDatabase, type TestDatabase } from '../support/db';

const SECRET = 'whsec_0123456789abcdef0123456789';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
}

let database: TestDatabase;
let server: Server;
let receiverUrl: string;
let received: Received[] = [];
let answerStatus = 200;

beforeAll(async () => {
  database = await freshDatabase();
  await upsertAccount(database.db, {
    sid: 'hooks',
    api_key: 'hooks-key',
    api_token: 'hooks-token',
    webhook_secret: SECRET,
  });
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, raw });
      res.writeHead(answerStatus).end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await database?.drop();
});

beforeEach(() => {
  received = [];
  answerStatus = 200;
});

async function insertDelivery(url: string): Promise<string> {
  const id = newSid();
  await database.db.insert(webhookDeliveries).values({
    id,
    accountSid: 'hooks',
    campaignId: newSid(),
    kind: 'call_status',
    url,
    payload: { campaign_sid: 'c1', call_sid: 'x1', status: 'completed', attempt_number: 1 },
  });
  return id;
}

async function row(id: string) {
  const [r] = await database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
  return r!;
}

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

const loopbackAllowed = () => createWebhookActivities({ db: database.db, allowLoopback: true, allowPrivate: false });

describe('§6.2 webhook delivery', () => {
  it('POSTs the payload with an event id and a signature that verifies with the account secret', async () => {
    const id = await insertDelivery(receiverUrl);
    const out = await loopbackAllowed().deliverWebhook({ deliveryId: id });
    expect(out).toEqual({ status: 'delivered', httpStatus: 200 });

    expect(received).toHaveLength(1);
    const { headers, raw } = received[0]!;
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-outcall-event-id']).toBe(id);
    expect(JSON.parse(raw)).toEqual({ campaign_sid: 'c1', call_sid: 'x1', status: 'completed', attempt_number: 1 });

    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['x-outcall-signature']));
    expect(m, String(headers['x-outcall-signature'])).not.toBeNull();
    expect(Math.abs(Number(m![1]) - Date.now() / 1000)).toBeLessThan(60);
    const expected = createHmac('sha256', SECRET).update(`${m![1]}.${raw}`).digest();
    expect(timingSafeEqual(expected, Buffer.from(m![2]!, 'hex'))).toBe(true);

    const r = await row(id);
    expect(r).toMatchObject({ status: 'delivered', tries: 1, lastHttpStatus: 200, lastError: null });
    expect(r.deliveredAt).toBeInstanceOf(Date);
  });

  it('does not send a delivered event again', async () => {
    const id = await insertDelivery(receiverUrl);
    const activities = loopbackAllowed();
    await activities.deliverWebhook({ deliveryId: id });
    expect(await activities.deliverWebhook({ deliveryId: id })).toEqual({ status: 'already_final' });
    expect(received).toHaveLength(1);
    expect((await row(id)).tries).toBe(1);
  });

  it('records a 500 and throws a retryable WebhookFailed, counting each try', async () => {
    answerStatus = 500;
    const id = await insertDelivery(receiverUrl);
    const activities = loopbackAllowed();
    const err = await failure(activities.deliverWebhook({ deliveryId: id }));
    expect(err).toMatchObject({ type: 'WebhookFailed', nonRetryable: false });
    expect(await row(id)).toMatchObject({
      status: 'pending',
      tries: 1,
      lastHttpStatus: 500,
      lastError: 'receiver answered HTTP 500',
    });
    await failure(activities.deliverWebhook({ deliveryId: id }));
    expect((await row(id)).tries).toBe(2);
    answerStatus = 204;
    expect(await activities.deliverWebhook({ deliveryId: id })).toEqual({ status: 'delivered', httpStatus: 204 });
    expect(await row(id)).toMatchObject({ status: 'delivered', tries: 3, lastError: null });
  });

  it('treats an unreachable receiver as a retryable failure', async () => {
    const id = await insertDelivery('http://127.0.0.1:1/hook');
    const err = await failure(loopbackAllowed().deliverWebhook({ deliveryId: id }));
    expect(err).toMatchObject({ type: 'WebhookFailed', nonRetryable: false });
    expect(await row(id)).toMatchObject({ status: 'pending', tries: 1, lastHttpStatus: null });
    expect((await row(id)).lastError).toMatch(/^POST failed/);
  });

  it('abandons a pending event and never sends it afterwards', async () => {
    const id = await insertDelivery(receiverUrl);
    const activities = loopbackAllowed();
    await activities.abandonWebhook({ deliveryId: id, error: 'receiver answered HTTP 500' });
    expect(await row(id)).toMatchObject({ status: 'abandoned', lastError: 'receiver answered HTTP 500' });
    expect(await activities.deliverWebhook({ deliveryId: id })).toEqual({ status: 'already_final' });
    expect(received).toHaveLength(0);
  });

  it('throws a non-retryable failure for an unknown delivery id', async () => {
    const err = await failure(loopbackAllowed().deliverWebhook({ deliveryId: newSid() }));
    expect(err).toMatchObject({ type: 'WebhookNotFound', nonRetryable: true });
  });
});

describe('§6.3 outbound URL policy at send time', () => {
  const strict = () => createWebhookActivities({ db: database.db, allowLoopback: false, allowPrivate: false });

  it('refuses a loopback receiver when loopback is not allowed: abandoned, non-retryable, nothing sent', async () => {
    const id = await insertDelivery(receiverUrl);
    const err = await failure(strict().deliverWebhook({ deliveryId: id }));
    expect(err).toMatchObject({ type: 'WebhookRefused', nonRetryable: true });
    const r = await row(id);
    expect(r.status).toBe('abandoned');
    expect(r.lastError).toMatch(/loopback/);
    expect(received).toHaveLength(0);
  });

  it('refuses a host name that resolves to loopback', async () => {
    const id = await insertDelivery(receiverUrl.replace('127.0.0.1', 'localhost'));
    const err = await failure(strict().deliverWebhook({ deliveryId: id }));
    expect(err).toMatchObject({ type: 'WebhookRefused' });
    expect((await row(id)).lastError).toMatch(/localhost resolves to .*loopback/);
    expect(received).toHaveLength(0);
  });

  it('sends to a loopback receiver when loopback is allowed', async () => {
    const id = await insertDelivery(receiverUrl.replace('127.0.0.1', 'localhost'));
    expect(await loopbackAllowed().deliverWebhook({ deliveryId: id })).toMatchObject({ status: 'delivered' });
    expect(received).toHaveLength(1);
  });

  it('always refuses metadata and link-local addresses', async () => {
    const open = createWebhookActivities({ db: database.db, allowLoopback: true, allowPrivate: true });
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://[fd00:ec2::254]/',
      'http://169.254.10.10/x',
    ]) {
      const id = await insertDelivery(url);
      const err = await failure(open.deliverWebhook({ deliveryId: id }));
      expect(err).toMatchObject({ type: 'WebhookRefused', nonRetryable: true });
      expect(await row(id)).toMatchObject({ status: 'abandoned' });
    }
  });

  it('refuses a private address unless private targets are allowed', async () => {
    const id = await insertDelivery('http://10.255.255.1:9/hook');
    const err = await failure(loopbackAllowed().deliverWebhook({ deliveryId: id }));
    expect(err).toMatchObject({ type: 'WebhookRefused' });
    expect((await row(id)).lastError).toMatch(/private/);
  });

  it('refuses a URL that is not absolute http(s)', async () => {
    const id = await insertDelivery('ftp://example.com/hook');
    const err = await failure(loopbackAllowed().deliverWebhook({ deliveryId: id }));
    expect(err).toMatchObject({ type: 'WebhookRefused', nonRetryable: true });
  });
});
