/**
 * `npm run bench -- report [--rows N] [--runs R] [--quick]`: SPEC §4.10's exports at size: `report.csv` and
 * call-details CSV streamed over real HTTP from a campaign of N numbers, and `GET /campaigns/{id}` latency, beside a
 * plain `COPY … TO STDOUT` of the same rows; medians of R runs. Method: docs/benchmarks.md.
 */
import os from 'node:os';
import { startEmbeddedStack, type EmbeddedStack } from '../bin/embedded-stack';
import { afterCopyOut } from '../db/queries/copy-text';
import { median } from './support/figures';

const ACCOUNT = {
  sid: 'reports',
  api_key: 'reports_key',
  api_token: 'reports_token_0123456789',
  calling_window: '00:00-24:00',
};
const AUTH = { key: ACCOUNT.api_key, token: ACCOUNT.api_token };

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
}

const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

/** A campaign of `n` numbers in assorted final states, one attempt each (the setup, not the measurement). */
async function makeCampaign(stack: EmbeddedStack, n: number): Promise<string> {
  const created = await stack.api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, AUTH, {
    from: ['+919800000001'],
    caller_id: '08012345678',
    url: 'http://flow.example/a',
  });
  if (created.status !== 200) throw new Error(`create: ${created.status} ${created.text}`);
  const id = created.json.response[0].data.id as string;
  const sql = stack.db.$client;
  await sql`delete from campaign_numbers where campaign_id = ${id}`;
  // Every 1,000th name starts with "=" so the formula guard is on the path being timed.
  await sql`
    insert into campaign_numbers (campaign_id, position, number, name, status, reason, attempts, last_status,
                                  last_duration, first_attempt_at, last_attempt_at, next_attempt_at, date_updated)
    select ${id}, g, '+9198' || lpad((10000000 + g * 10 + 1 + g % 5)::text, 8, '0'),
           case when g % 1000 = 0 then '=HYPERLINK("x")' else 'Contact ' || g || ', Esq.' end,
           (array['completed','completed','completed','failed','failed','retry','pending'])[1 + g % 7],
           case when g % 7 in (3, 4) then 'carrier_refused' end,
           case when g % 7 = 6 then 0 else 1 end,
           (array['completed','completed','completed','busy','no-answer','busy',null])[1 + g % 7],
           case when g % 7 < 3 then 30 + g % 90 else 0 end,
           case when g % 7 = 6 then null else now() - interval '1 hour' + g * interval '5 ms' end,
           case when g % 7 = 6 then null else now() - interval '1 hour' + g * interval '5 ms' end,
           case when g % 7 = 5 then now() + interval '10 minutes' end,
           now()
      from generate_series(0, ${n - 1}::int) g`;
  await sql`
    insert into attempts (call_sid, campaign_id, position, attempt_number, number, caller_id, token, carrier_sid,
                          dial_started_at, sent_at, status, reason, date_created, start_time, end_time, duration,
                          settled_at)
    select md5(${id} || position), ${id}, position, 1, number, '08012345678', '1_' || md5('t' || ${id} || position),
           md5('c' || position), first_attempt_at, first_attempt_at, last_status, reason, first_attempt_at,
           first_attempt_at,
           first_attempt_at + last_duration * interval '1 s', last_duration, last_attempt_at
      from campaign_numbers
     where campaign_id = ${id} and attempts > 0`;
  await sql`analyze campaign_numbers`;
  await sql`analyze attempts`;
  return id;
}

/** `node --expose-gc`: a full collection, so heap figures show what is live rather than what is uncollected. */
const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const load = () => `load ${os.loadavg()[0]!.toFixed(1)}`;

/** The limit: the same rows through `COPY … TO STDOUT (format csv)`, unformatted, read and dropped. */
async function plainCopy(stack: EmbeddedStack, id: string) {
  const sql = stack.db.$client;
  const t0 = Date.now();
  const copy = await sql
    .unsafe(
      'copy (select number, name, status, reason, attempts, last_status, last_duration, first_attempt_at, ' +
        `last_attempt_at, next_attempt_at from campaign_numbers where campaign_id = '${id}' order by position) ` +
        'to stdout with (format csv)',
    )
    .readable();
  let bytes = 0;
  for await (const chunk of copy) bytes += (chunk as Buffer).byteLength;
  afterCopyOut(copy);
  return { bytes, totalMs: Date.now() - t0 };
}

async function download(stack: EmbeddedStack, path: string, accept?: string) {
  const rssBefore = rssMiB();
  const heapBefore = heapMiB();
  let rssMax = rssBefore;
  let heapMax = heapBefore;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMiB())), 50);
  const heapSampler = gc ? setInterval(() => (heapMax = Math.max(heapMax, heapMiB())), 1000) : undefined;
  const t0 = Date.now();
  const res = await fetch(stack.baseUrl + path, {
    headers: {
      authorization: `Basic ${Buffer.from(`${AUTH.key}:${AUTH.token}`).toString('base64')}`,
      ...(accept && { accept }),
    },
  });
  if (res.status !== 200 || !res.body) throw new Error(`${path}: HTTP ${res.status}`);
  let bytes = 0;
  let lines = 0;
  let firstByteMs: number | null = null;
  for await (const chunk of res.body) {
    firstByteMs ??= Date.now() - t0;
    bytes += chunk.byteLength;
    for (const b of chunk) if (b === 10) lines++;
  }
  const totalMs = Date.now() - t0;
  clearInterval(sampler);
  clearInterval(heapSampler);
  return {
    rows: lines - 1,
    bytes,
    firstByteMs: firstByteMs ?? totalMs,
    totalMs,
    rssBefore,
    rssMax: Math.max(rssMax, rssMiB()),
    heapBefore,
    heapMax,
  };
}

export default async function report(args: string[]): Promise<void> {
  const n = Number(arg(args, 'rows') ?? (args.includes('--quick') ? 20_000 : 500_000));
  const stack = await startEmbeddedStack({
    env: { OUTCALL_ACCOUNTS: JSON.stringify([{ ...ACCOUNT, api_requests_per_minute: 100_000 }]) },
    worker: false,
  });
  try {
    const t = Date.now();
    const id = await makeCampaign(stack, n);
    console.log(
      `report: campaign of ${n} numbers and attempts written in ${((Date.now() - t) / 1000).toFixed(1)} s (setup)`,
    );
    const gets: number[] = [];
    for (let i = 0; i < 11; i++) {
      const t0 = Date.now();
      const got = await stack.api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`, AUTH);
      gets.push(Date.now() - t0);
      if (i === 0) console.log(`  stats: ${JSON.stringify(got.json.response[0].data.stats)}`);
    }
    console.log(`  GET /campaigns/{id} (stats over ${n} numbers): median ${median(gets)} ms of ${gets.length}`);
    const runs = Number(arg(args, 'runs') ?? 2);
    const limit: number[] = [];
    for (let i = 0; i < runs; i++) {
      const c = await plainCopy(stack, id);
      limit.push(c.totalMs);
      console.log(
        `  limit, plain COPY TO STDOUT of the same rows, run ${i + 1}: ${(c.bytes / 2 ** 20).toFixed(1)} MiB ` +
          `in ${(c.totalMs / 1000).toFixed(2)} s (${load()})`,
      );
    }
    for (const [what, path, accept] of [
      ['report.csv', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}/report.csv`, undefined],
      ['call-details (Accept: text/csv)', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}/call-details`, 'text/csv'],
    ] as const) {
      const times: number[] = [];
      const peaks: number[] = [];
      for (let i = 0; i < runs; i++) {
        const d = await download(stack, path, accept);
        times.push(d.totalMs);
        peaks.push(d.rssMax);
        console.log(
          `  ${what}, run ${i + 1}: ${d.rows} rows, ${(d.bytes / 2 ** 20).toFixed(1)} MiB, first byte ` +
            `${d.firstByteMs} ms, all ${(d.totalMs / 1000).toFixed(1)} s ` +
            `(${Math.round(d.rows / (d.totalMs / 1000))} rows/s); API process RSS ${d.rssBefore.toFixed(0)} MiB ` +
            `before, ${d.rssMax.toFixed(0)} MiB at most during` +
            (gc
              ? `; live heap ${d.heapBefore.toFixed(0)} MiB before, ${d.heapMax.toFixed(0)} MiB at most during`
              : '') +
            ` (${load()})`,
        );
      }
      console.log(
        `  ${what}: median ${(median(times) / 1000).toFixed(2)} s, ${(median(times) / median(limit)).toFixed(1)}× ` +
          `the plain COPY's ${(median(limit) / 1000).toFixed(2)} s; RSS at most ${Math.max(...peaks).toFixed(0)} MiB`,
      );
    }
  } finally {
    await stack.stop();
  }
}
