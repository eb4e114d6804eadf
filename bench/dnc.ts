/**
 * `npm run bench -- dnc [--numbers N] [--entries M] [--overlap F] [--rounds R] [--quick]`: SPEC §7 (ext) the
 * do-not-call check at the snapshot: the median snapshot time of one list campaign without and with a do-not-call list,
 * their ratio, and the suppressed count against the expected one. Method: docs/benchmarks.md.
 */
import { startEmbeddedStack, type EmbeddedStack } from '../bin/embedded-stack';
import { snapshotListNumbers } from '../db/queries/snapshots';
import { median } from './support/figures';

/** The issue's bound: the check must not slow the snapshot by more than this factor. */
const ALLOWED_RATIO = 2;

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
}

const account = (sid: string) => ({
  sid,
  api_key: `${sid}_key`,
  api_token: `${sid}_token_0123456789`,
  calling_window: '00:00-24:00',
  api_requests_per_minute: 100_000,
});
const PLAIN = account('dnc_bench_plain');
const LISTED = account('dnc_bench_listed');

/** The i-th number of the list (valid Indian mobiles). */
const numberSql = (g: string) => `'+9197' || lpad((10000000 + ${g})::text, 8, '0')`;

/** A list of `n` contacts for the account, written straight into the read model (setup, not measured). */
async function makeList(stack: EmbeddedStack, acct: typeof PLAIN, n: number): Promise<string> {
  const auth = { key: acct.api_key, token: acct.api_token };
  const created = await stack.api('POST', `/v2/accounts/${acct.sid}/lists`, auth, { name: 'bench' });
  if (created.status !== 200) throw new Error(`list: ${created.status} ${created.text}`);
  const listSid = created.json.response[0].data.sid as string;
  const sql = stack.db.$client;
  await sql.unsafe(`
    insert into contacts (sid, account_sid, number, first_name)
    select md5('${acct.sid}' || g), '${acct.sid}', ${numberSql('g')}, 'Contact ' || g
      from generate_series(0, ${n - 1}) g`);
  await sql.unsafe(`
    insert into list_memberships (list_sid, contact_sid)
    select '${listSid}', md5('${acct.sid}' || g) from generate_series(0, ${n - 1}) g order by g`);
  await sql`update lists set type = 'static' where sid = ${listSid}`;
  return listSid;
}

/** `m` entries, the first `overlap` of them numbers of the list, spread over it; the rest elsewhere. */
async function makeDnc(stack: EmbeddedStack, sid: string, n: number, m: number, overlap: number): Promise<void> {
  const step = Math.max(1, Math.floor(n / Math.max(1, overlap)));
  await stack.db.$client.unsafe(`
    insert into dnc_numbers (account_sid, number, source)
    select '${sid}', case when g < ${overlap} then ${numberSql(`g * ${step}`)}
                          else '+9196' || lpad((10000000 + g)::text, 8, '0') end, 'api'
      from generate_series(0, ${m - 1}) g
    on conflict do nothing`);
}

async function createCampaign(stack: EmbeddedStack, acct: typeof PLAIN, listSid: string) {
  const t0 = Date.now();
  const res = await stack.api(
    'POST',
    `/v2/accounts/${acct.sid}/campaigns`,
    { key: acct.api_key, token: acct.api_token },
    {
      lists: [listSid],
      caller_id: '08012345678',
      url: 'http://flow.example/a',
      // Far ahead, and the stack runs no worker: nothing starts or dials.
      schedule: { send_at: new Date(Date.now() + 30 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z') },
    },
  );
  if (res.status !== 200) throw new Error(`campaign: ${res.status} ${res.text}`);
  const data = res.json.response[0].data;
  return { id: data.id as string, stats: data.stats as Record<string, number>, ms: Date.now() - t0 };
}

async function timeSnapshot(stack: EmbeddedStack, campaignId: string): Promise<{ ms: number; suppressed: number }> {
  const t0 = performance.now();
  await stack.db.transaction((tx) => snapshotListNumbers(tx, campaignId));
  const ms = performance.now() - t0;
  const [row] = await stack.db.$client<{ n: number }[]>`
    select count(*)::int as n from campaign_numbers where campaign_id = ${campaignId} and status = 'suppressed'`;
  return { ms, suppressed: row?.n ?? 0 };
}

export default async function dnc(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const n = Number(arg(args, 'numbers') ?? (quick ? 10_000 : 100_000));
  const m = Number(arg(args, 'entries') ?? (quick ? 10_000 : 100_000));
  const overlapFraction = Number(arg(args, 'overlap') ?? 0.1);
  const rounds = Number(arg(args, 'rounds') ?? (quick ? 3 : 5));
  const overlap = Math.min(n, m, Math.round(m * overlapFraction));
  const stack = await startEmbeddedStack({
    env: { OUTCALL_ACCOUNTS: JSON.stringify([PLAIN, LISTED]) },
    worker: false,
  });
  try {
    const t = Date.now();
    const plainList = await makeList(stack, PLAIN, n);
    const listedList = await makeList(stack, LISTED, n);
    await makeDnc(stack, LISTED.sid, n, m, overlap);
    await stack.db.$client`analyze`;
    console.log(
      `dnc: 2 lists of ${n} contacts, ${m} do-not-call entries (${overlap} of them on the list) ` +
        `written in ${((Date.now() - t) / 1000).toFixed(1)} s (setup)`,
    );
    const plain = await createCampaign(stack, PLAIN, plainList);
    const listed = await createCampaign(stack, LISTED, listedList);
    console.log(
      `  create over HTTP (preview snapshot included): without the list ${plain.ms} ms, with it ${listed.ms} ms; ` +
        `stats.suppressed ${plain.stats.suppressed} and ${listed.stats.suppressed} (expected 0 and ${overlap})`,
    );
    const without: number[] = [];
    const withList: number[] = [];
    let suppressed = 0;
    for (let r = 0; r < rounds; r++) {
      without.push((await timeSnapshot(stack, plain.id)).ms);
      const w = await timeSnapshot(stack, listed.id);
      withList.push(w.ms);
      suppressed = w.suppressed;
    }
    const a = median(without);
    const b = median(withList);
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    console.log(`  snapshot of ${n} numbers without do-not-call entries: median ${a.toFixed(0)} ms (${fmt(without)})`);
    console.log(
      `  snapshot of ${n} numbers against ${m} entries: median ${b.toFixed(0)} ms (${fmt(withList)}), ` +
        `${suppressed} suppressed (expected ${overlap})`,
    );
    console.log(
      `  ratio with/without: ${(b / a).toFixed(2)}× (allowed ≤ ${ALLOWED_RATIO}×): ` +
        (b / a <= ALLOWED_RATIO ? 'within' : 'OVER'),
    );
  } finally {
    await stack.stop();
  }
}
