/** Accounts: provisioning (SPEC §7) and the lookups Basic auth needs (SPEC §1). */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../client';
import { accounts, type CarrierConfig } from '../schema';
import { TWILIO_API_BASE_URL, type AccountInput } from '../../domain/schemas/account';
import type { WindowSettings } from '../../domain/recipient-window';

export type AccountRow = typeof accounts.$inferSelect;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented token with a stored SHA-256 hash. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The settings a recipient's calling window depends on (SPEC §4.4), for `recipientWindow`. */
export function windowSettingsOf(account: AccountRow): WindowSettings {
  return {
    timezone: account.timezone,
    callingWindow: account.callingWindow,
    callingDays: account.callingDays,
    recipientLocalTime: account.recipientLocalTime,
  };
}

/** The stored form of an account's `carrier` setting (SPEC §7). */
export function carrierConfig(input: NonNullable<AccountInput['carrier']>): CarrierConfig {
  const pacing = input.cps !== undefined ? { cps: input.cps } : {};
  switch (input.type) {
    case 'simulator':
      return { type: 'simulator', ...pacing };
    case 'exotel':
      return {
        ...pacing,
        type: 'exotel',
        baseUrl: input.base_url,
        sid: input.sid,
        apiKey: input.api_key,
        apiToken: input.api_token,
      };
    case 'twilio':
      return {
        ...pacing,
        type: 'twilio',
        baseUrl: input.base_url ?? TWILIO_API_BASE_URL,
        accountSid: input.account_sid,
        authToken: input.auth_token,
        apiKey: input.api_key ?? null,
      };
  }
}

/** Creates the account or updates the fields given; omitted settings keep their values. */
export async function upsertAccount(db: Db, input: AccountInput): Promise<AccountRow> {
  const settings = {
    apiKey: input.api_key,
    apiTokenHash: hashToken(input.api_token),
    ...(input.calls_per_minute !== undefined && { callsPerMinute: input.calls_per_minute }),
    ...(input.channels !== undefined && { channels: input.channels }),
    ...(input.api_requests_per_minute !== undefined && { apiRequestsPerMinute: input.api_requests_per_minute }),
    ...(input.timezone !== undefined && { timezone: input.timezone }),
    ...(input.calling_window !== undefined && { callingWindow: input.calling_window }),
    ...(input.calling_days !== undefined && { callingDays: input.calling_days }),
    ...(input.recipient_local_time !== undefined && { recipientLocalTime: input.recipient_local_time }),
    ...(input.default_region !== undefined && { defaultRegion: input.default_region }),
    ...(input.caller_ids !== undefined && { callerIds: input.caller_ids }),
    ...(input.ring_timeout_s !== undefined && { ringTimeoutS: input.ring_timeout_s }),
    ...(input.call_time_limit_s !== undefined && { callTimeLimitS: input.call_time_limit_s }),
    ...(input.webhook_secret !== undefined && { webhookSecret: input.webhook_secret }),
    ...(input.carrier !== undefined && { carrier: carrierConfig(input.carrier) }),
  };
  const [row] = await db
    .insert(accounts)
    .values({ sid: input.sid, webhookSecret: randomBytes(24).toString('hex'), ...settings })
    .onConflictDoUpdate({ target: accounts.sid, set: { ...settings, updatedAt: new Date() } })
    .returning();
  return row!;
}

export async function findAccountByApiKey(db: Db, apiKey: string): Promise<AccountRow | undefined> {
  return db.query.accounts.findFirst({ where: eq(accounts.apiKey, apiKey) });
}

/** A hash no token matches, compared when the key is unknown so both failures take the same time. */
const UNKNOWN_KEY_HASH = hashToken('outcall: no account has this key');

/**
 * The account when `token` is its API token, else undefined. An unknown key (`account` undefined) is
 * compared against a hash no token matches, so both failures take the same time.
 */
export function accountIfTokenMatches(account: AccountRow | undefined, token: string): AccountRow | undefined {
  const valid = tokenMatches(token, account?.apiTokenHash ?? UNKNOWN_KEY_HASH);
  return valid ? account : undefined;
}

/** The account of `key` when `token` is its API token, else undefined. */
export async function authenticateAccount(db: Db, key: string, token: string): Promise<AccountRow | undefined> {
  return accountIfTokenMatches(await findAccountByApiKey(db, key), token);
}

export async function findAccount(db: Db, sid: string): Promise<AccountRow | undefined> {
  return db.query.accounts.findFirst({ where: eq(accounts.sid, sid) });
}

export async function listAccounts(db: Db): Promise<AccountRow[]> {
  return db.select().from(accounts).orderBy(accounts.sid);
}
