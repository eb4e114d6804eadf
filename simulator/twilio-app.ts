/**
 * SPEC §7 simulator, Twilio contract: Twilio's 2010-04-01 Calls API at `/simulator/twilio`, so a `twilio` carrier's own
 * code talks to it; same store (`sim_calls`, `api = 'twilio'`) and outcome rules as the Exotel one. A `Twiml` greeting
 * is heard at once; a `Url` one is fetched when the call is answered.
 */
import { timingSafeEqual } from 'node:crypto';
import { and, desc, eq, type SQL } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { simCalls, simRequests } from '../db/schema';
import { newSid } from '../domain/ids';
import { spokenText } from '../domain/twiml';
import type { SimulatorAppDeps } from './app';
import { simulatedOutcome, simulatedTiming } from './outcome';
import { attemptNumberFromCallbackUrl, unstorableFormField } from './records';
import { simulatorTwilioApiKeySecret, simulatorTwilioAuthToken } from './twilio-contract';
import { toTwilioCall } from './twilio-records';

/** Twilio's error body. */
function twilioError(c: Context, status: ContentfulStatusCode, code: number, message: string) {
  return c.json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, status);
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** `AccountSid:auth token` of the account in the path, or an `SK…` API key with its secret (both derived). */
function authenticated(header: string | undefined, accountSid: string, deploymentSecret: string): boolean {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const [user, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  if (/^SK[0-9a-fA-F]{32}$/.test(user))
    return same(secret, simulatorTwilioApiKeySecret(accountSid, user, deploymentSecret));
  return same(user, accountSid) && same(secret, simulatorTwilioAuthToken(accountSid, deploymentSecret));
}

/** True for `share` of the calls, spread evenly (the n-th call when ⌊n·share⌋ steps up). */
export function rateLimiter(share: number): () => boolean {
  let n = 0;
  return () => {
    n++;
    return Math.floor(n * share) > Math.floor((n - 1) * share);
  };
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** The simulator's Twilio routes, relative to where the stack mounts them (`/simulator/twilio`). */
export function createTwilioSimulatorApp(deps: SimulatorAppDeps): Hono {
  const { db, log, ringMs, talkMs } = deps;
  const app = new Hono();
  const limited = rateLimiter(deps.rateLimitedShare ?? 0);

  app.use('/2010-04-01/Accounts/:sid/*', async (c, next) => {
    if (!authenticated(c.req.header('authorization'), c.req.param('sid') ?? '', deps.secret))
      return twilioError(c, 401, 20003, 'Authenticate');
    await next();
  });

  app.post('/2010-04-01/Accounts/:sid/Calls.json', async (c) => {
    const accountSid = c.req.param('sid');
    let form: Record<string, string>;
    try {
      const raw = await c.req.parseBody();
      form = Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      return twilioError(c, 400, 20001, 'The request body is not a form');
    }
    const unstorable = unstorableFormField(form);
    if (unstorable) return twilioError(c, 400, 21100, `Parameter ${unstorable}`);
    const to = text(form.To);
    const from = text(form.From);
    const url = text(form.Url);
    const twiml = text(form.Twiml);
    const statusCallback = text(form.StatusCallback);
    const attemptNumber = attemptNumberFromCallbackUrl(statusCallback);
    const refuse = async (code: number, message: string) => {
      await db
        .insert(simRequests)
        .values({ to: to ?? '', httpStatus: 400, body: { ...form, AccountSid: accountSid, Message: message } });
      log.info({ to, attemptNumber, code }, 'Simulator (Twilio) refused a dial request');
      return twilioError(c, 400, code, message);
    };
    if (!to) return refuse(21201, "No 'To' number is specified");
    if (!from) return refuse(21213, "No 'From' number is specified");
    if (!url && !twiml) return refuse(21205, "A 'Url' or 'Twiml' parameter is required");
    // SPEC §7 (ext): a caller id ending in 000 is not one of the account's numbers; every dial is refused.
    if (from.endsWith('000')) return refuse(21210, `The source phone number provided, ${from}, is not yet verified`);
    // SPEC §4.5 (ext) benchmarks: an exact share of dial requests is told to slow down, as Twilio does.
    if (limited()) {
      await db.insert(simRequests).values({ to, httpStatus: 429, body: { ...form, AccountSid: accountSid } });
      c.header('Retry-After', '1');
      return twilioError(c, 429, 20429, 'Too Many Requests');
    }
    const outcome = simulatedOutcome(to, attemptNumber);
    if (outcome === 'refused') return refuse(21211, `Invalid 'To' Phone Number: ${to}`);

    const now = new Date();
    const timing = simulatedTiming(outcome, ringMs, talkMs);
    const end = new Date(now.getTime() + timing.endAfterMs);
    const [row] = await db
      .insert(simCalls)
      .values({
        sid: `CA${newSid()}`,
        api: 'twilio',
        accountSid,
        to,
        callerId: from,
        url,
        statusCallback,
        attemptNumber,
        outcome,
        status: 'queued',
        duration: timing.durationS,
        // Inline TwiML is what an answered call hears; there is nothing to fetch.
        ...(twiml !== null && { greeting: outcome === 'completed' ? spokenText(twiml) : null, greetingFetchedAt: now }),
        createdAt: now,
        startTime: now,
        endTime: end,
        callbackDueAt: end,
      })
      .returning();
    log.info({ callSid: row!.sid, to, attemptNumber, outcome }, 'Simulated Twilio call placed');
    return c.json(toTwilioCall(row!, now, ringMs), 201);
  });

  app.get('/2010-04-01/Accounts/:sid/Calls.json', async (c) => {
    const where: SQL[] = [eq(simCalls.accountSid, c.req.param('sid')), eq(simCalls.api, 'twilio')];
    // A `+` sent unencoded arrives as a space.
    const rawTo = c.req.query('To');
    const to = rawTo?.startsWith(' ') ? `+${rawTo.trim()}` : text(rawTo);
    if (to) where.push(eq(simCalls.to, to));
    const from = text(c.req.query('From'));
    if (from) where.push(eq(simCalls.callerId, from));
    const pageSize = Math.min(Math.max(Number(c.req.query('PageSize') ?? 50) || 50, 1), 1000);
    const rows = await db
      .select()
      .from(simCalls)
      .where(and(...where))
      .orderBy(desc(simCalls.createdAt))
      .limit(pageSize);
    const now = new Date();
    const status = c.req.query('Status');
    const calls = rows.map((r) => toTwilioCall(r, now, ringMs)).filter((call) => !status || call.status === status);
    return c.json({ calls, page: 0, page_size: pageSize, first_page_uri: c.req.path, next_page_uri: null });
  });

  app.get('/2010-04-01/Accounts/:sid/Calls/:file', async (c) => {
    const callSid = c.req.param('file').replace(/\.json$/, '');
    const [row] = await db
      .select()
      .from(simCalls)
      .where(and(eq(simCalls.sid, callSid), eq(simCalls.accountSid, c.req.param('sid')), eq(simCalls.api, 'twilio')));
    if (!row) return twilioError(c, 404, 20404, `The requested resource ${c.req.path} was not found`);
    return c.json(toTwilioCall(row, new Date(), ringMs));
  });

  return app;
}
