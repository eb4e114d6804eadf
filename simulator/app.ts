/**
 * SPEC §7 simulator carrier: an Exotel-v1-compatible voice API under `/simulator`, so the exotel adapter's own code
 * talks to it. Calls are `sim_calls` rows whose callbacks `simulator/dispatcher.ts` sends, so they survive a restart;
 * credentials and the `GET /calls` view are in docs/architecture.md.
 */
import { and, asc, desc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { authenticateAccount, type AccountRow } from '../db/queries/accounts';
import { simCalls, simRequests } from '../db/schema';
import { parseBasicCredentials } from '../domain/basic-credentials';
import { parseExotelTime } from '../domain/exotel-callback';
import { newSid } from '../domain/ids';
import { equalInConstantTime } from '../domain/constant-time';
import { createMemoryWindow, UNAUTHENTICATED_LIMIT } from '../domain/sliding-window';
import { simulatedOutcome, simulatedTiming } from './outcome';
import { SIMULATOR_CREATE_DEADLINE_MS, SIMULATOR_INSERT_TIMEOUT_MS, simulatorCredentials } from './contract';
import { attemptNumberFromCallbackUrl, callView, refusedView, toExotelCall, unstorableFormField } from './records';

export interface SimulatorAppDeps {
  db: Db;
  log: Logger;
  /** How long every simulated call rings (`OUTCALL_SIM_RING_MS`). */
  ringMs: number;
  /** How long an answered call talks (`OUTCALL_SIM_TALK_MS`). */
  talkMs: number;
  /** Share of the Twilio contract's dial requests answered 429 (`OUTCALL_SIM_TWILIO_429_SHARE`); default 0. */
  rateLimitedShare?: number;
  /** The deployment's secret the per-account simulator credentials derive from (the signing secret). */
  secret: string;
}

/** Exotel's v1 error body. */
function restException(c: Context, status: 400 | 401 | 404 | 503, message: string) {
  return c.json({ RestException: { Status: status, Message: message } }, status);
}

/** The Exotel API's credentials: the account sid of the path, and that account's simulator token. */
function credentialsMatch(header: string | undefined, accountSid: string, secret: string): boolean {
  const creds = parseBasicCredentials(header);
  const expected = simulatorCredentials(accountSid, secret);
  // Both compared, in constant time, whatever the first one says.
  const keyOk = equalInConstantTime(creds?.key ?? '', expected.apiKey);
  const tokenOk = equalInConstantTime(creds?.token ?? '', expected.apiToken);
  return creds !== null && keyOk && tokenOk;
}

/** The simulator account sid an Outcall account's calls are placed under. */
function simulatorSidOf(account: AccountRow): string {
  return account.carrier.type === 'exotel' ? account.carrier.sid : account.sid;
}

function clientIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A `?number=` value whose `+` arrived unencoded (and so decoded as a space) gets its `+` back. */
function numberParam(raw: string | undefined): string {
  if (!raw) return '';
  return raw.startsWith(' ') ? `+${raw.trim()}` : raw.trim();
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const list = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => numberParam(s))
        .filter((s) => s !== '')
    : [];

/** The simulator's routes, relative to where the stack mounts it (`app.route('/simulator', …)`). */
export function createSimulatorApp(deps: SimulatorAppDeps): Hono {
  const { db, log, ringMs, talkMs, secret } = deps;
  const app = new Hono();
  // The inspection view's failed logins per address; past the limit every login is refused.
  const failedLogins = createMemoryWindow(UNAUTHENTICATED_LIMIT);

  app.use('/v1/Accounts/:sid/*', async (c, next) => {
    if (!credentialsMatch(c.req.header('authorization'), c.req.param('sid'), secret)) {
      return restException(c, 401, 'Authentication failed');
    }
    await next();
  });

  const connect = async (c: Context) => {
    const receivedAt = Date.now();
    const accountSid = c.req.param('sid') ?? '';
    let form: Record<string, string> = {};
    try {
      const raw = await c.req.parseBody();
      form = Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      return restException(c, 400, 'The request body is not a form');
    }
    const unstorable = unstorableFormField(form);
    if (unstorable) return restException(c, 400, `Field ${unstorable}`);
    const to = text(form.From);
    const callerId = text(form.CallerId);
    const url = text(form.Url);
    const statusCallback = text(form.StatusCallback);
    const attemptNumber = attemptNumberFromCallbackUrl(statusCallback);

    const refuse = async (message: string) => {
      await db
        .insert(simRequests)
        .values({ to: to ?? '', httpStatus: 400, body: { ...form, AccountSid: accountSid, Message: message } });
      log.info({ to, attemptNumber, message }, 'Simulator refused a dial request');
      return restException(c, 400, message);
    };
    if (!to) return refuse('From is required');
    if (!callerId) return refuse('CallerId is required');
    if (!url) return refuse('Url is required');
    // SPEC §7 (ext): a caller id ending in 000 is not an ExoPhone of the account; every dial is refused.
    if (callerId.endsWith('000'))
      return refuse(`CallerId ${callerId} is not a valid ExoPhone of account ${accountSid}`);
    const outcome = simulatedOutcome(to, attemptNumber);
    if (outcome === 'refused') return refuse(`From ${to} is not a valid phone number`);

    const now = new Date();
    const timing = simulatedTiming(outcome, ringMs, talkMs);
    const end = new Date(now.getTime() + timing.endAfterMs);
    // SPEC §7: a call is recorded within the create deadline or not at all, so that a lookup once
    // SIMULATOR_RECORDS_COMPLETE_MS have passed can say a call it does not know was never placed.
    if (Date.now() - receivedAt > SIMULATOR_CREATE_DEADLINE_MS)
      return restException(c, 503, 'The request came too late to place a call; no call was created');
    const row = await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`SET LOCAL statement_timeout = ${SIMULATOR_INSERT_TIMEOUT_MS}`));
      const [row] = await tx
        .insert(simCalls)
        .values({
          sid: newSid(),
          accountSid,
          to,
          callerId,
          url,
          customField: text(form.CustomField),
          statusCallback,
          attemptNumber,
          outcome,
          status: 'queued',
          duration: timing.durationS,
          createdAt: now,
          startTime: now,
          endTime: end,
          callbackDueAt: end,
        })
        .returning();
      return row;
    });
    log.info({ callSid: row!.sid, to, attemptNumber, outcome }, 'Simulated call placed');
    return c.json({ Call: toExotelCall(row!, now, ringMs) }, 200);
  };
  app.post('/v1/Accounts/:sid/Calls/connect.json', connect);
  app.post('/v1/Accounts/:sid/Calls/connect', connect);

  const listCalls = async (c: Context) => {
    const accountSid = c.req.param('sid') ?? '';
    const where: SQL[] = [eq(simCalls.accountSid, accountSid)];
    const from = list(c.req.query('From'));
    if (from.length) where.push(inArray(simCalls.to, from));
    const to = list(c.req.query('To'));
    if (to.length) where.push(inArray(simCalls.callerId, to));
    const sids = list(c.req.query('Sid'));
    if (sids.length) where.push(inArray(simCalls.sid, sids));
    const dateCreated = c.req.query('DateCreated');
    if (dateCreated) {
      for (const clause of dateCreated.split(';').filter((s) => s.trim() !== '')) {
        const m = /^(gte|lte):(.+)$/.exec(clause.trim());
        const at = m ? parseExotelTime(m[2]!) : null;
        if (!m || !at)
          return restException(
            c,
            400,
            `DateCreated clause ${JSON.stringify(clause)} must be gte:|lte:YYYY-MM-DD HH:mm:ss`,
          );
        // Exotel times have whole seconds; `lte` includes the whole second it names.
        where.push(
          m[1] === 'gte' ? gte(simCalls.createdAt, at) : lte(simCalls.createdAt, new Date(at.getTime() + 999)),
        );
      }
    }
    const pageSize = Math.min(Math.max(Number(c.req.query('PageSize') ?? 50) || 50, 1), 100);
    const ascending = /^DateCreated:asc$/i.test(c.req.query('SortBy') ?? '');
    const rows = await db
      .select()
      .from(simCalls)
      .where(and(...where))
      .orderBy(ascending ? asc(simCalls.createdAt) : desc(simCalls.createdAt))
      .limit(pageSize);
    const now = new Date();
    const status = c.req.query('Status');
    const calls = rows.map((r) => toExotelCall(r, now, ringMs)).filter((call) => !status || call.Status === status);
    return c.json({
      Metadata: { PageSize: pageSize, FirstPageUri: c.req.path, PrevPageUri: null, NextPageUri: null },
      Calls: calls,
    });
  };
  app.get('/v1/Accounts/:sid/Calls.json', listCalls);
  app.get('/v1/Accounts/:sid/Calls', listCalls);

  app.get('/v1/Accounts/:sid/Calls/:file', async (c) => {
    const callSid = c.req.param('file').replace(/\.json$/, '');
    const row = await db.query.simCalls.findFirst({
      where: and(eq(simCalls.sid, callSid), eq(simCalls.accountSid, c.req.param('sid'))),
    });
    if (!row) return restException(c, 404, `Call ${callSid} not found`);
    return c.json({ Call: toExotelCall(row, new Date(), ringMs) });
  });

  /**
   * Test view: every request the calling account's calls made for a number, accepted or refused,
   * oldest first. Basic auth with the account's API key and token; callback tokens are not shown.
   */
  app.get('/calls', async (c) => {
    const ip = clientIp(c);
    if (failedLogins.peek(ip, Date.now()).remaining <= 0) {
      return c.json({ message: 'too many failed logins from this address; retry later' }, 429);
    }
    const creds = parseBasicCredentials(c.req.header('authorization'));
    const account = creds ? await authenticateAccount(db, creds.key, creds.token) : undefined;
    if (!account) {
      failedLogins.hit(ip, Date.now());
      c.header('WWW-Authenticate', 'Basic realm="Outcall simulator", charset="UTF-8"');
      return c.json({ message: "use the account's API key and API token (HTTP Basic), as for /v2" }, 401);
    }
    const sid = simulatorSidOf(account);
    const number = numberParam(c.req.query('number'));
    const [calls, refused] = await Promise.all([
      db
        .select()
        .from(simCalls)
        .where(and(eq(simCalls.to, number), eq(simCalls.accountSid, sid)))
        .orderBy(asc(simCalls.createdAt)),
      db
        .select()
        .from(simRequests)
        .where(and(eq(simRequests.to, number), sql`${simRequests.body}->>'AccountSid' = ${sid}`))
        .orderBy(asc(simRequests.at)),
    ]);
    const now = new Date();
    const requests = [...calls.map((r) => callView(r, now, ringMs)), ...refused.map(refusedView)].sort((a, b) =>
      (a.date_created ?? '').localeCompare(b.date_created ?? ''),
    );
    return c.json({ number, requests });
  });

  return app;
}
