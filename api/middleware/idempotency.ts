/**
 * SPEC §1 (ext) `Idempotency-Key` on every POST, per account: the first answer is kept 24 h; a repeat with the same
 * fingerprint gets it, another fingerprint is 409 (4005), concurrent repeats wait for the first. Answers of 500 or more
 * are not kept. The body is hashed as it streams (docs/architecture.md).
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Db } from '../../db/client';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  purgeExpiredIdempotencyKeys,
  readIdempotencyKey,
  releaseIdempotencyKey,
  type IdempotencyRow,
} from '../../db/queries/idempotency';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** Set on an answer replayed from the first request. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** A key is 1..255 visible ASCII characters (Stripe's and the IETF draft's practice). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** The first request holds its key this long; a repeat after that (its process died) runs again. */
const LEASE_MS = 5 * 60_000;
/** A repeat waits this long for the first request's answer, then answers 409. */
const WAIT_MS = 30_000;
const PURGE_EVERY_MS = 60_000;

/** Hashes the request line and then the body while the route reads it. */
interface BodyFingerprint {
  /**
   * The hex digest once the body has been read to its end (reading the rest if the route did not);
   * null when it cannot be (the route cancelled the body).
   */
  digest(): Promise<string | null>;
}

function fingerprintBody(c: Context<AppEnv>): BodyFingerprint {
  const url = new URL(c.req.url);
  const hash: Hash = createHash('sha256').update(`${c.req.method} ${url.pathname}${url.search}\n`);
  const body = c.req.raw.body;
  if (!body) {
    const hex = hash.digest('hex');
    return { digest: async () => hex };
  }
  let ended = false;
  const hashed = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hash.update(chunk);
        controller.enqueue(chunk);
      },
      flush() {
        ended = true;
      },
    }),
  );
  // `duplex` is required by undici for a streamed request body but missing from the DOM typings.
  c.req.raw = new Request(c.req.raw, { body: hashed, duplex: 'half' } as RequestInit);
  return {
    async digest() {
      const rest = c.req.raw.body;
      if (!ended && rest && !rest.locked && !c.req.raw.bodyUsed) {
        const reader = rest.getReader();
        while (!(await reader.read()).done);
      }
      return ended ? hash.digest('hex') : null;
    },
  };
}

function checkKey(raw: string): string {
  if (!KEY_PATTERN.test(raw))
    throw new ApiError(
      'INVALID_PARAMETER',
      `${IDEMPOTENCY_HEADER} must be 1..255 visible ASCII characters; got ${JSON.stringify(raw.slice(0, 64))}` +
        `${raw.length > 64 ? '…' : ''} (${raw.length} characters)`,
    );
  return raw;
}

function replay(c: Context<AppEnv>, row: IdempotencyRow): Response {
  c.header(REPLAYED_HEADER, 'true');
  if (row.responseType) c.header('Content-Type', row.responseType);
  // Stored answers are below 500 by construction; the cast names Hono's status type.
  return c.body(row.responseBody ?? '', row.responseStatus as 200);
}

function reused(key: string): ApiError {
  return new ApiError(
    'IDEMPOTENCY_KEY_REUSED',
    `${IDEMPOTENCY_HEADER} ${JSON.stringify(key)} was used within 24 h for a different request ` +
      '(method, path or body); use a new key for a new request',
  );
}

/** Waits for the first request's answer; undefined when it released the key without one. */
async function awaitAnswer(db: Db, accountSid: string, key: string): Promise<IdempotencyRow | undefined | 'timeout'> {
  const deadline = Date.now() + WAIT_MS;
  for (let pause = 25; ; pause = Math.min(pause * 2, 500)) {
    const row = await readIdempotencyKey(db, accountSid, key);
    if (!row || row.responseStatus !== null) return row;
    if (Date.now() + pause > deadline) return 'timeout';
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** After Basic auth: keys are per account. Only POST takes a key; other methods ignore the header. */
export function idempotency(deps: { db: Db }): MiddlewareHandler<AppEnv> {
  let lastPurge = 0;
  return async (c, next) => {
    const header = c.req.header(IDEMPOTENCY_HEADER);
    if (c.req.method !== 'POST' || header === undefined) return next();
    const key = checkKey(header);
    const accountSid = c.get('account').sid;
    const log = c.get('log');
    if (Date.now() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = Date.now();
      purgeExpiredIdempotencyKeys(deps.db).catch((err: unknown) =>
        log.warn({ err }, 'Could not purge expired idempotency keys'),
      );
    }
    const fingerprint = fingerprintBody(c);
    const owner = randomBytes(16).toString('hex');
    for (;;) {
      const claim = await claimIdempotencyKey(deps.db, { accountSid, key, owner, leaseMs: LEASE_MS });
      if (claim.kind === 'owner') return runFirst(c, next, { db: deps.db, accountSid, key, owner, fingerprint });
      const mine = await fingerprint.digest();
      const answer = claim.row.responseStatus !== null ? claim.row : await awaitAnswer(deps.db, accountSid, key);
      if (answer === undefined) continue; // released without an answer: this request runs
      if (answer === 'timeout')
        throw new ApiError(
          'IDEMPOTENCY_KEY_REUSED',
          `${IDEMPOTENCY_HEADER} ${JSON.stringify(key)}: the first request with this key is still running; retry later`,
        );
      if (mine === null || answer.fingerprint !== mine) throw reused(key);
      log.info({ idempotencyKey: key, status: answer.responseStatus }, 'Idempotent request replayed');
      return replay(c, answer);
    }
  };
}

/** Runs the route for the key's first request and keeps its answer (or frees the key). */
async function runFirst(
  c: Context<AppEnv>,
  next: () => Promise<void>,
  k: { db: Db; accountSid: string; key: string; owner: string; fingerprint: BodyFingerprint },
): Promise<void> {
  const ref = { accountSid: k.accountSid, key: k.key, owner: k.owner };
  try {
    await next();
  } catch (err) {
    await releaseIdempotencyKey(k.db, ref);
    throw err;
  }
  const status = c.res.status;
  const fingerprint = status < 500 ? await k.fingerprint.digest().catch(() => null) : null;
  if (fingerprint === null) {
    await releaseIdempotencyKey(k.db, ref);
    return;
  }
  const body = await c.res.clone().text();
  await completeIdempotencyKey(k.db, {
    ...ref,
    fingerprint,
    status,
    body,
    type: c.res.headers.get('content-type'),
  });
}
