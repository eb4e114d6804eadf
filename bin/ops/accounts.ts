/** `ops accounts upsert|list` (SPEC §7): accounts with settings in full, credentials masked, hashes never. */
import { readFileSync } from 'node:fs';
import type { Config } from '../config';
import { maskSecret } from '../ops-args';
import { listAccounts, upsertAccount, type AccountRow } from '../../db/queries/accounts';
import { accountInputSchema } from '../../domain/schemas/account';
import { withDb } from './connect';
import { OpsError, table, type Output } from './output';

export function accountView(a: AccountRow) {
  const c = a.carrier;
  const carrier =
    c.type === 'simulator'
      ? { type: 'simulator' }
      : c.type === 'exotel'
        ? { type: c.type, base_url: c.baseUrl, sid: c.sid, api_key: maskSecret(c.apiKey) }
        : {
            type: c.type,
            base_url: c.baseUrl,
            account_sid: c.accountSid,
            auth_token: maskSecret(c.authToken),
            ...(c.apiKey && { api_key_sid: c.apiKey.sid }),
          };
  return {
    sid: a.sid,
    api_key: maskSecret(a.apiKey),
    calls_per_minute: a.callsPerMinute,
    channels: a.channels,
    api_requests_per_minute: a.apiRequestsPerMinute,
    timezone: a.timezone,
    calling_window: a.callingWindow,
    calling_days: a.callingDays,
    recipient_local_time: a.recipientLocalTime,
    default_region: a.defaultRegion,
    caller_ids: a.callerIds,
    carrier,
    ring_timeout_s: a.ringTimeoutS,
    call_time_limit_s: a.callTimeLimitS,
  };
}

function accountsTable(rows: AccountRow[]): string {
  return table(
    rows.map((a) => {
      const v = accountView(a);
      return {
        SID: v.sid,
        API_KEY: v.api_key,
        CARRIER: v.carrier.type,
        CPM: String(v.calls_per_minute),
        CHANNELS: String(v.channels),
        TIMEZONE: v.timezone,
        WINDOW: v.calling_window,
        DAYS: v.calling_days.join(','),
      };
    }),
  );
}

export async function accountsUpsert(config: Config, o: Output, text: string): Promise<void> {
  const raw = text === '-' ? readFileSync(0, 'utf8') : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new OpsError(`the account is not valid JSON: ${(err as Error).message}`);
  }
  const input = accountInputSchema.safeParse(parsed);
  if (!input.success) {
    throw new OpsError(input.error.issues.map((i) => `${i.path.join('.') || '(account)'}: ${i.message}`).join('\n'));
  }
  const row = await withDb(config, (db) => upsertAccount(db, input.data));
  o.result(accountView(row), () => `Account ${row.sid} saved.\n${accountsTable([row])}`);
}

export async function accountsList(config: Config, o: Output): Promise<void> {
  const rows = await withDb(config, (db) => listAccounts(db));
  o.result(rows.map(accountView), () => accountsTable(rows));
}
