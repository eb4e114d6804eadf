import { describe, expect, it } from 'vitest';
import { parseAccountsJson } from '../../domain/schemas/account';
import { tokenBits, weakTokenReason } from '../../domain/token-strength';

describe('§1 provisioned API tokens carry at least 128 bits (issue 11, finding 8)', () => {
  it.each([
    ['32 random hex characters', '5c1f0a9be3d2487f96a1c0de2b3f4a5d', true],
    ['36 hex characters (the demo account)', '5c1f0a9be3d2487f96a1c0de2b3f4a5d6e7f', true],
    ['22 base64url characters', 'Qx7-Lp_2ZkR9vTb3Nw5yHa', true],
    ['a sid-prefixed test token', 'acme_failed_token_0123456789abcdef', true],
    ['one character', 't', false],
    ['a word', 'hooks-token', false],
    ['20 lowercase and digits', 'e2etoken0123456789ab', false],
    ['31 hex characters', '5c1f0a9be3d2487f96a1c0de2b3f4a5', false],
    ['64 of one letter', 'a'.repeat(64), false],
    ['a long repeated pair', 'ab'.repeat(40), false],
  ])('%s: %s', (_what, token, strong) => {
    expect(weakTokenReason(token) === null, `${token}: ${tokenBits(token)} bits`).toBe(strong);
  });

  it('refuses a short token at provisioning with a clear message naming the field', () => {
    expect(() => parseAccountsJson('[{"sid":"acme","api_key":"k","api_token":"t"}]')).toThrow(
      'OUTCALL_ACCOUNTS[0].api_token: must carry at least 128 bits (about 0 here)',
    );
    const [ok] = parseAccountsJson('[{"sid":"acme","api_key":"k","api_token":"5c1f0a9be3d2487f96a1c0de2b3f4a5d"}]');
    expect(ok!.api_token).toBe('5c1f0a9be3d2487f96a1c0de2b3f4a5d');
  });
});
