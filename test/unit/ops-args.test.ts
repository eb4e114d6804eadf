import { describe, expect, it } from 'vitest';
import {
  isLoopbackUrl,
  maskSecret,
  parseOpsArgs,
  parseStackFile,
  resolveEndpoint,
  UsageError,
} from '../../bin/ops-args';
import { renderBar } from '../../bin/ops/progress';

describe('§8 ops CLI arguments', () => {
  it('parses every campaign signal to the same command shape', () => {
    for (const action of ['pause', 'resume', 'complete'] as const) {
      expect(parseOpsArgs(['campaigns', action, 'abc']).command).toEqual({
        kind: 'campaigns.signal',
        action,
        campaignId: 'abc',
      });
    }
  });

  it('parses campaigns list with its filters in either option form', () => {
    expect(parseOpsArgs(['campaigns', 'list']).command).toEqual({ kind: 'campaigns.list', limit: 50 });
    expect(
      parseOpsArgs(['campaigns', 'list', '--account', 'acme', '--status=InProgress', '--limit', '5']).command,
    ).toEqual({
      kind: 'campaigns.list',
      accountSid: 'acme',
      status: 'InProgress',
      limit: 5,
    });
  });

  it('keeps the account JSON as one argument and accepts --json anywhere', () => {
    const parsed = parseOpsArgs(['--json', 'accounts', 'upsert', '{"sid":"a","api_key":"k","api_token":"t"}']);
    expect(parsed).toEqual({
      command: { kind: 'accounts.upsert', json: '{"sid":"a","api_key":"k","api_token":"t"}' },
      json: true,
    });
    expect(parseOpsArgs(['accounts', 'list']).json).toBe(false);
  });

  it('parses simulator twilio-credentials with its account sid', () => {
    expect(parseOpsArgs(['simulator', 'twilio-credentials', 'AC1', '--json'])).toEqual({
      command: { kind: 'simulator.twilio', accountSid: 'AC1' },
      json: true,
    });
  });

  it('answers help for no arguments, help, --help and -h', () => {
    for (const argv of [[], ['help'], ['--help'], ['campaigns', '-h']])
      expect(parseOpsArgs(argv).command).toEqual({ kind: 'help' });
  });

  it('rejects unknown commands, missing ids, extra words and bad options with a message naming them', () => {
    const cases: Array<[string[], RegExp]> = [
      [['launch'], /unknown command 'launch'/],
      [['campaigns', 'pause'], /missing the campaign id/],
      [['campaigns', 'show', 'a', 'b'], /unexpected argument 'b'/],
      [['campaigns', 'list', '--limit', '0'], /--limit must be an integer/],
      [['campaigns', 'list', '--acount', 'x'], /unknown option --acount/],
      [['campaigns', 'list', '--account'], /--account needs a value/],
      [['accounts', 'upsert'], /missing the account JSON/],
      [['accounts', 'delete'], /unknown accounts command 'delete'/],
      [['doctor', 'now'], /unexpected argument 'now'/],
      [['simulator', 'twilio-credentials'], /missing the Twilio account sid/],
      [['simulator', 'exotel'], /unknown simulator command 'exotel'/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseOpsArgs(argv), argv.join(' ')).toThrow(UsageError);
      expect(() => parseOpsArgs(argv), argv.join(' ')).toThrow(message);
    }
  });
});

describe('§8 ops CLI: tail and lists upload', () => {
  it('parses campaigns tail with its polling interval', () => {
    expect(parseOpsArgs(['campaigns', 'tail', 'abc']).command).toEqual({
      kind: 'campaigns.tail',
      campaignId: 'abc',
      intervalMs: 500,
    });
    expect(parseOpsArgs(['campaigns', 'tail', 'abc', '--interval=200', '--json'])).toEqual({
      command: { kind: 'campaigns.tail', campaignId: 'abc', intervalMs: 200 },
      json: true,
    });
    expect(() => parseOpsArgs(['campaigns', 'tail'])).toThrow(/missing the campaign id/);
    expect(() => parseOpsArgs(['campaigns', 'tail', 'abc', '--interval', '5'])).toThrow(/--interval/);
  });

  it('parses lists upload with the list name, type and credentials', () => {
    expect(parseOpsArgs(['lists', 'upload', 'c.csv', '--name', 'July']).command).toEqual({
      kind: 'lists.upload',
      file: 'c.csv',
      name: 'July',
      type: 'static',
    });
    const all = ['--type=Dynamic', '--account', 'acme', '--key', 'k', '--token', 't', '--url', 'http://h:3000'];
    expect(parseOpsArgs(['lists', 'upload', 'c.csv', '--name', 'July', ...all]).command).toEqual({
      kind: 'lists.upload',
      file: 'c.csv',
      name: 'July',
      type: 'dynamic',
      accountSid: 'acme',
      key: 'k',
      token: 't',
      url: 'http://h:3000',
    });
    expect(() => parseOpsArgs(['lists', 'upload', 'c.csv'])).toThrow(/--name is required/);
    expect(() => parseOpsArgs(['lists', 'upload', '--name', 'x'])).toThrow(/missing the CSV file/);
    expect(() => parseOpsArgs(['lists', 'upload', 'c.csv', '--name', 'x', '--type', 'big'])).toThrow(/--type/);
    expect(() => parseOpsArgs(['lists', 'drop'])).toThrow(/unknown lists command 'drop'/);
  });

  it('draws a progress bar from a fraction, clamped to 0..100 %', () => {
    expect(renderBar(0.5, 'uploading', '1.0 of 2.0 MB', 10)).toBe('[#####-----]  50%  uploading  1.0 of 2.0 MB');
    expect(renderBar(1.7, 'importing', '', 4)).toBe('[####] 100%  importing');
    expect(renderBar(Number.NaN, 'x', '', 4)).toBe('[----]   0%  x');
  });
});

describe('§8 ops CLI helpers', () => {
  it('masks credentials, showing at most the first four and last two characters', () => {
    expect(maskSecret('key_abcdefgh123')).toBe('key_…23');
    expect(maskSecret('short')).toBe('*****');
  });

  it('recognises loopback public URLs, which a real carrier cannot call back', () => {
    for (const url of [
      'http://localhost:3000',
      'http://127.0.0.1',
      'http://127.1.2.3:8080/x',
      'http://[::1]:3000',
      'http://0.0.0.0',
    ]) {
      expect(isLoopbackUrl(url), url).toBe(true);
    }
    for (const url of ['https://outcall.example.com', 'http://10.0.0.5:3000', 'not a url'])
      expect(isLoopbackUrl(url), url).toBe(false);
  });

  it('reads the local stack file only in its agreed { databaseUrl, temporalAddress } shape', () => {
    expect(parseStackFile('{"databaseUrl":"postgres://x/y","temporalAddress":"127.0.0.1:7233"}')).toEqual({
      databaseUrl: 'postgres://x/y',
      temporalAddress: '127.0.0.1:7233',
    });
    expect(parseStackFile('{"databaseUrl":"postgres://x/y"}')).toBeNull();
    expect(parseStackFile('nope')).toBeNull();
  });

  it('prefers the environment, falls back to stack.json, and otherwise points at npm start', () => {
    const stack = {
      file: '.data/stack.json',
      contents: { databaseUrl: 'postgres://stack/db', temporalAddress: '127.0.0.1:7233' },
    };
    expect(resolveEndpoint('postgres://env/db', 'DATABASE_URL', stack)).toEqual({
      value: 'postgres://env/db',
      source: 'DATABASE_URL',
    });
    expect(resolveEndpoint(undefined, 'TEMPORAL_ADDRESS', stack)).toEqual({
      value: '127.0.0.1:7233',
      source: '.data/stack.json',
    });
    const missing = resolveEndpoint(undefined, 'DATABASE_URL', null);
    expect(missing).toHaveProperty('error');
    expect((missing as { error: string }).error).toMatch(/DATABASE_URL is not set.*npm start/);
  });
});
