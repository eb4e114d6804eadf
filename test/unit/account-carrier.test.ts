/**
 * SPEC §7 an account's `carrier` as `OUTCALL_ACCOUNTS` and `ops accounts upsert` take it
 * (domain/schemas/account.ts) and as it is stored (db/queries/accounts.ts `carrierConfig`).
 */
import { describe, expect, it } from 'vitest';
import { carrierConfig } from '../../db/queries/accounts';
import { parseAccountsJson } from '../../domain/schemas/account';

/** An API token of 128 bits, as provisioning requires. */
const TOKEN = '5c1f0a9be3d2487f96a1c0de2b3f4a5d';

const AC = `AC${'0123456789abcdef'.repeat(2)}`;
const SK = `SK${'fedcba9876543210'.repeat(2)}`;
const account = (carrier: unknown) => JSON.stringify([{ sid: 'acme', api_key: 'k', api_token: TOKEN, carrier }]);

describe('§7 account carriers', () => {
  it('takes a Twilio account with its auth token, optionally an API key and a base URL', () => {
    const [a] = parseAccountsJson(account({ type: 'twilio', account_sid: AC, auth_token: 'tok' }));
    expect(carrierConfig(a!.carrier!)).toEqual({
      type: 'twilio',
      baseUrl: 'https://api.twilio.com',
      accountSid: AC,
      authToken: 'tok',
      apiKey: null,
    });
    const [b] = parseAccountsJson(
      account({
        type: 'twilio',
        account_sid: AC,
        auth_token: 'tok',
        api_key: { sid: SK, secret: 's' },
        base_url: 'http://localhost:3000/simulator/twilio',
      }),
    );
    expect(carrierConfig(b!.carrier!)).toMatchObject({
      baseUrl: 'http://localhost:3000/simulator/twilio',
      apiKey: { sid: SK, secret: 's' },
    });
  });

  it('refuses a Twilio account without its auth token or with malformed sids, naming the field', () => {
    expect(() => parseAccountsJson(account({ type: 'twilio', account_sid: AC }))).toThrow(
      /OUTCALL_ACCOUNTS\[0\]\.carrier\.auth_token/,
    );
    expect(() => parseAccountsJson(account({ type: 'twilio', account_sid: 'AC1', auth_token: 't' }))).toThrow(
      /account_sid must be AC followed by 32 hex digits/,
    );
    expect(() =>
      parseAccountsJson(
        account({ type: 'twilio', account_sid: AC, auth_token: 't', api_key: { sid: 'SK1', secret: 's' } }),
      ),
    ).toThrow(/api_key\.sid must be SK/);
    expect(() => parseAccountsJson(account({ type: 'plivo' }))).toThrow(/carrier/);
  });

  it('keeps the Exotel and simulator carriers as they were', () => {
    const [e] = parseAccountsJson(
      account({ type: 'exotel', base_url: 'https://api.exotel.com', sid: 'x', api_key: 'k', api_token: 't' }),
    );
    expect(carrierConfig(e!.carrier!)).toEqual({
      type: 'exotel',
      baseUrl: 'https://api.exotel.com',
      sid: 'x',
      apiKey: 'k',
      apiToken: 't',
    });
    const [s] = parseAccountsJson(account({ type: 'simulator' }));
    expect(carrierConfig(s!.carrier!)).toEqual({ type: 'simulator' });
  });
});
