/**
 * SPEC §7 simulator carrier: an Exotel-v1-compatible voice API served by the local stack under
 * `/simulator`, so the exotel adapter's own code path is what talks to it. Calls are rows in
 * `sim_calls` (refused requests in `sim_requests`); the dispatcher in `simulator-dispatcher.ts`
 * sends their status callbacks, so lookups and pending callbacks survive a restart.
 */
import { timingSafeEqual } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, lte, type SQL } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { simCalls, simRequests } from '../db/schema';
import { parseExotelTime } from '../domain/exotel-callback';
import { newSid } from '../domain/ids';
import { simulatedOutcome, simulatedTiming } from './outcome';
import { SIMULATOR_API_KEY, SIMULATOR_API_TOKEN } from './contract';
import { attemptNumberFromCallbackUrl, callView, refusedView, toExotelCall } from './records';

export interface SimulatorAppDeps {
  db: Db;
  log: Logger;
  /** How long every simulated call rings (`OUTCALL_SIM_RING_MS`). */
  ringMs: number;
  /** How long an answered call talks (`OUTCALL_SIM_TALK_MS`). */
  talkMs: number;
}

/** Exotel's v1 error body. */
function restException(c: Context, status: 400 | 401 | 404, message: string) {
  return c.json({ RestException: { Status: status, Message: message } }, status);
}

function credentialsMatch(header: string | undefined): boolean {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(Buffer.from(m[1]!, 'base64').toString('utf8'));
  const expected = Buffer.from(`${SIMULATOR_API_KEY}:${SIMULATOR_API_TOKEN}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
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
  const { db, log, ringMs, talkMs } = deps;
  const app = new Hono();

  app.use('/v1/*', async (c, next) => {
    if (!credentialsMatch(c.req.header('authorization'))) return restException(c, 401, 'Authentication failed');
    await next();
  });

  const connect = async (c: Context) => {
    const accountSid = c.req.param('sid') ?? '';
    let form: Record<string, string> = {};
    try {
      const raw = await c.req.parseBody();
      form = Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      return restException(c, 400, 'The request body is not a form');
    }
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
    const [row] = await db
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

  /** Test view: every request received for a number, accepted or refused, oldest first. */
  app.get('/calls', async (c) => {
    const number = numberParam(c.req.query('number'));
    const [calls, refused] = await Promise.all([
      db.select().from(simCalls).where(eq(simCalls.to, number)).orderBy(asc(simCalls.createdAt)),
      db.select().from(simRequests).where(eq(simRequests.to, number)).orderBy(asc(simRequests.at)),
    ]);
    const now = new Date();
    const requests = [...calls.map((r) => callView(r, now, ringMs)), ...refused.map(refusedView)].sort((a, b) =>
      (a.date_created ?? '').localeCompare(b.date_created ?? ''),
    );
    return c.json({ number, requests });
  });

  return app;
}
