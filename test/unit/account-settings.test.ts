/**
 * SPEC §7 account settings as `OUTCALL_ACCOUNTS` and `ops accounts upsert` take them
 * (domain/schemas/account.ts): SPEC §4.4 (ext) `recipient_local_time`.
 */
import { describe, expect, it } from 'vitest';
import { parseAccountsJson } from '../../domain/schemas/account';

/** An API token of 128 bits, as provisioning requires. */
const TOKEN = '5c1f0a9be3d2487f96a1c0de2b3f4a5d';

const account = (extra: Record<string, unknown>) =>
  JSON.stringify([{ sid: 'acme', api_key: 'k', api_token: TOKEN, ...extra }]);

describe('§4.4 (ext) recipient_local_time', () => {
  it('takes a boolean, and leaves the setting out when omitted (an update keeps the stored value)', () => {
    expect(parseAccountsJson(account({ recipient_local_time: true }))[0]!.recipient_local_time).toBe(true);
    expect(parseAccountsJson(account({ recipient_local_time: false }))[0]!.recipient_local_time).toBe(false);
    expect(parseAccountsJson(account({}))[0]).not.toHaveProperty('recipient_local_time');
  });

  it('refuses anything but a boolean, naming the field', () => {
    expect(() => parseAccountsJson(account({ recipient_local_time: 'true' }))).toThrow(
      /OUTCALL_ACCOUNTS\[0\]\.recipient_local_time/,
    );
  });
});
