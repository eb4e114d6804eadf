/**
 * SPEC §2 `/carriers/...` and §7: inbound carrier status callbacks and the greeting fetch. No Basic
 * auth: a callback is authenticated by the per-attempt token in its URL, which only Outcall and the
 * carrier know.
 */
import { and, eq } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { attempts, campaignNumbers, campaigns } from '../../db/schema';
import { parseExotelStatusCallback } from '../../domain/exotel-callback';
import { renderGreeting } from '../../domain/greeting-template';
import { attemptNumberFromToken } from '../../domain/ids';
import type { AppEnv } from '../context';
import { EngineUnavailableError, type AppDeps } from '../deps';
import { ok } from '../envelope';
import { ApiError } from '../errors';

/** SPEC §7: the greeting an Exotel flow fetches is at most this many characters. */
export const GREETING_MAX_CHARS = 4000;

/** Carrier callbacks are a few hundred bytes; anything far larger is not one. */
const CALLBACK_BODY_LIMIT = 64 * 1024;

/**
 * The callback's fields: JSON (whatever the Content-Type, as Exotel sends with
 * `StatusCallbackContentType=application/json`), multipart (Exotel's default) or url-encoded.
 */
async function readCallbackFields(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (type.includes('multipart/form-data')) {
    try {
      const form = await c.req.parseBody();
      return Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === 'string'));
    } catch {
      throw new ApiError('INVALID_PARAMETER', 'body: the multipart callback body could not be parsed');
    }
  }
  const text = await c.req.text();
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      throw new ApiError('MALFORMED_JSON', 'body: the callback body is not valid JSON');
    }
  }
  if (trimmed === '') throw new ApiError('INVALID_PARAMETER', 'body: the callback body is empty');
  return Object.fromEntries(new URLSearchParams(trimmed));
}

async function findAttemptByToken(deps: AppDeps, token: string | undefined) {
  // A malformed token cannot name an attempt; skip the query.
  if (!token || attemptNumberFromToken(token) === null) return undefined;
  const [row] = await deps.db
    .select({
      callSid: attempts.callSid,
      carrierSid: attempts.carrierSid,
      campaignId: attempts.campaignId,
      position: attempts.position,
    })
    .from(attempts)
    .where(eq(attempts.token, token))
    .limit(1);
  return row;
}

/**
 * SPEC §3/§7: the greeting for one attempt. A dynamic campaign's `@@column` tokens are replaced with
 * the contact's values from the campaign's snapshot (standard fields and the list's columns, as
 * they were when the campaign started); a static campaign's text is read as written. At most
 * `GREETING_MAX_CHARS` characters (code points, so a multi-byte character is never cut in half).
 */
function greetingFor(
  campaign: { readViaText: string | null; campaignType: string },
  vars: Record<string, string> | null,
): string | null {
  if (campaign.readViaText === null) return null;
  const text = campaign.campaignType === 'dynamic' ? renderGreeting(campaign.readViaText, vars) : campaign.readViaText;
  return Array.from(text).slice(0, GREETING_MAX_CHARS).join('');
}

export function createCarrierRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post(
    '/carriers/exotel/status',
    bodyLimit({
      maxSize: CALLBACK_BODY_LIMIT,
      onError: () => {
        throw new ApiError('PAYLOAD_TOO_LARGE', `callback body is larger than ${CALLBACK_BODY_LIMIT} bytes`);
      },
    }),
    async (c) => {
      const token = c.req.query('token');
      const attempt = await findAttemptByToken(deps, token);
      if (!token || !attempt)
        throw new ApiError('NOT_FOUND', `token: no call attempt has token ${JSON.stringify(token ?? null)}`);
      const parsed = parseExotelStatusCallback(await readCallbackFields(c));
      if (!parsed.ok) throw new ApiError('INVALID_PARAMETER', parsed.message);
      const outcome = parsed.value;
      const log = c.get('log') ?? deps.log;
      if (attempt.carrierSid && attempt.carrierSid !== outcome.carrierSid) {
        log.warn(
          { callSid: attempt.callSid, stored: attempt.carrierSid, reported: outcome.carrierSid },
          'Callback CallSid differs from the dialled call',
        );
      }
      let result: Awaited<ReturnType<AppDeps['engine']['reportCallStatus']>>;
      try {
        result = await deps.engine.reportCallStatus({ token, outcome });
      } catch (err) {
        // Answer 503 so the carrier retries: the status is not durable until the engine has it.
        log.error({ err, callSid: attempt.callSid }, 'Could not hand a call status to the engine');
        throw err instanceof EngineUnavailableError ? err : new EngineUnavailableError(err);
      }
      if (result === 'unknown_token')
        throw new ApiError('NOT_FOUND', `token: no call attempt has token ${JSON.stringify(token)}`);
      log.info(
        { callSid: attempt.callSid, carrierSid: outcome.carrierSid, status: outcome.status, result },
        'Carrier status received',
      );
      return ok(c, { call_sid: attempt.callSid, status: outcome.status, result });
    },
  );

  app.get('/carriers/exotel/greeting', async (c) => {
    const token = c.req.query('CustomField');
    const attempt = await findAttemptByToken(deps, token);
    if (!attempt)
      throw new ApiError('NOT_FOUND', `CustomField: no call attempt has token ${JSON.stringify(token ?? null)}`);
    const [row] = await deps.db
      .select({ readViaText: campaigns.readViaText, campaignType: campaigns.campaignType, vars: campaignNumbers.vars })
      .from(campaigns)
      .leftJoin(
        campaignNumbers,
        and(eq(campaignNumbers.campaignId, campaigns.id), eq(campaignNumbers.position, attempt.position)),
      )
      .where(eq(campaigns.id, attempt.campaignId))
      .limit(1);
    const text = row ? greetingFor(row, row.vars) : null;
    if (text === null)
      throw new ApiError('NOT_FOUND', `CustomField: the campaign of attempt ${attempt.callSid} has no greeting text`);
    return c.text(text, 200);
  });

  app.post('/carriers/:carrier/status', (c) => {
    throw new ApiError(
      'NOT_FOUND',
      `carrier: ${JSON.stringify(c.req.param('carrier'))} is not a carrier Outcall receives callbacks from`,
    );
  });

  return app;
}
