/**
 * Exotel's own example requests (seeds/001 create, seeds/000 get), run with curl exactly as written
 * there — credentials in the URL — with the host, ids and the 2024 schedule swapped for local and
 * future values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestStack, type TestStack } from '../support/stack';

const run = promisify(execFile);
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const ACCOUNT = {
  sid: 'seed_acct',
  api_key: 'seedkey',
  api_token: 'seedtoken0123456789abcdef012345',
  calling_window: '00:00-24:00',
};

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]) });
});
afterAll(async () => {
  await stack?.stop();
});

/** The seed's command with Exotel's host and placeholders replaced; the 2024 date moved to `day`. */
function localise(file: string, vars: Record<string, string>, day: string): string {
  let cmd = readFileSync(path.join(fixtures, file), 'utf8');
  cmd = cmd.replaceAll(
    'https://<api_key>:<api_token>@api.exotel.com',
    `http://${ACCOUNT.api_key}:${ACCOUNT.api_token}@${new URL(stack.baseUrl).host}`,
  );
  for (const [k, v] of Object.entries(vars)) cmd = cmd.replaceAll(`<${k}>`, v);
  return cmd.replaceAll('2024-01-15', day);
}

async function curl(cmd: string) {
  const { stdout } = await run('bash', ['-c', `${cmd.trim()} -s`]);
  return JSON.parse(stdout);
}

describe('§2 the seed examples, with curl', () => {
  it('creates the January Promo Campaign from seeds/001 and reads it back as seeds/000 does', async () => {
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const created = await curl(localise('seed-001-create-campaign.sh', { sid: ACCOUNT.sid }, day));
    expect(created.http_code, JSON.stringify(created)).toBe(200);
    expect(created.request_id).toMatch(/^[0-9a-f]{32}$/);
    const c = created.response[0].data;
    expect(c).toMatchObject({
      account_sid: ACCOUNT.sid,
      name: 'January Promo Campaign',
      type: 'trans',
      caller_id: '0XXXXXX4890',
      campaign_type: 'static',
      url: `http://my.exotel.com/${ACCOUNT.sid}/exoml/start_voice/926`,
      from: ['+919876543210', '+919876543211', '+919876543212'],
      retries: { number_of_retries: 2, interval_mins: 15, mechanism: 'Linear', on_status: ['busy', 'no-answer'] },
      schedule: { send_at: `${day}T09:00:00+05:30`, end_at: `${day}T18:00:00+05:30` },
      status: 'Created',
      call_duplicate_numbers: false,
      call_status_callback: 'https://your-server.com/call-status',
      status_callback: 'https://your-server.com/campaign-status',
    });
    expect(c.stats).toMatchObject({ created: 3, pending: 3, completed: 0, failed: 0 });

    const got = await curl(localise('seed-000-get-campaign.sh', { account_sid: ACCOUNT.sid, campaign_id: c.id }, day));
    expect(got.http_code).toBe(200);
    expect(got.response[0].data).toMatchObject({ id: c.id, status: 'Created', name: 'January Promo Campaign' });
  });
});
