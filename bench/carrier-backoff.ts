/**
 * `npm run bench -- carrier-backoff [--quick] [--numbers=N] [--cps=C]`: SPEC §4.5 (ext) per-carrier pacing and
 * back-off on a whole stack: one account dials through the simulator's Twilio contract at a connection ceiling, first
 * with every dial answered (the baseline), then with 20 % answered 429; docs/benchmarks.md says what it prints.
 */
import os from 'node:os';
import { and, eq, gt, inArray } from 'drizzle-orm';
import { startEmbeddedStack } from '../bin/embedded-stack';
import { upsertAccount } from '../db/queries/accounts';
import { attempts, campaigns, simCalls, simRequests } from '../db/schema';
import { signingSecret } from '../bin/outcall';
import { simulatorTwilioAuthToken, simulatorTwilioBaseUrl } from '../simulator';

const TWILIO_SID = `AC${'ba5e'.repeat(8)}`;
const ACCOUNT = {
  sid: 'bench_cb',
  api_key: 'bench_cb_key',
  api_token: 'bench_cb_token_0123456789abcdef',
  calling_window: '00:00-24:00',
  calls_per_minute: 600,
  channels: 50,
};

/** The most instants in any half-open window of `widthMs`. */
function maxInWindow(ts: number[], widthMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < ts.length; i++) {
    while (ts[i]! - ts[j]! >= widthMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

interface RunFigures {
  requests: number;
  rateLimited: number;
  retriesConsumed: number;
  peak1s: number;
  /** The most calls Outcall sent in any 1 s (`attempts.dial_started_at` of the dials that became calls). */
  sentPeak1s: number;
  meanPerSecond: number;
  seconds: number;
}

async function run(share: number, count: number, cps: number): Promise<RunFigures> {
  const stack = await startEmbeddedStack({
    env: {
      OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]),
      OUTCALL_SIM_RING_MS: '0',
      OUTCALL_SIM_TALK_MS: '200',
      OUTCALL_SIM_TWILIO_429_SHARE: String(share),
    },
  });
  try {
    await upsertAccount(stack.db, {
      ...ACCOUNT,
      carrier: {
        type: 'twilio',
        base_url: simulatorTwilioBaseUrl(stack.config.OUTCALL_PUBLIC_URL),
        account_sid: TWILIO_SID,
        auth_token: simulatorTwilioAuthToken(TWILIO_SID, signingSecret(stack.config)),
        cps,
      },
    });
    const from = Array.from({ length: count }, (_, i) => `+9197${String(i).padStart(7, '0')}1`);
    const auth = { key: ACCOUNT.api_key, token: ACCOUNT.api_token };
    const res = await stack.api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, auth, {
      from,
      caller_id: '+14155550100',
      url: 'https://flows.example.com/twiml/welcome',
      retries: { number_of_retries: 3, interval_mins: 1, on_status: ['busy', 'no-answer', 'failed'] },
    });
    if (res.status !== 200) throw new Error(`create: ${res.status} ${res.text}`);
    const id = res.json.response[0].data.id as string;
    const deadline = Date.now() + 10 * 60_000 + (count / cps) * 3000;
    for (;;) {
      const c = await stack.api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`, auth);
      const status = c.json.response[0].data.status as string;
      if (status === 'Completed' || status === 'Failed') break;
      if (Date.now() > deadline) throw new Error(`campaign still ${status}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const calls = await stack.db
      .select({ at: simCalls.createdAt })
      .from(simCalls)
      .where(eq(simCalls.accountSid, TWILIO_SID));
    const limited = await stack.db
      .select({ at: simRequests.at })
      .from(simRequests)
      .where(and(inArray(simRequests.to, from), eq(simRequests.httpStatus, 429)));
    const sent = await stack.db
      .select({ at: attempts.dialStartedAt })
      .from(attempts)
      .where(eq(attempts.campaignId, id));
    const sentTs = sent.flatMap((r) => (r.at ? [r.at.getTime()] : [])).sort((a, b) => a - b);
    const retries = await stack.db
      .select({ callSid: attempts.callSid })
      .from(attempts)
      .innerJoin(campaigns, eq(campaigns.id, attempts.campaignId))
      .where(and(eq(campaigns.id, id), gt(attempts.attemptNumber, 1)));
    const ts = [...calls, ...limited].map((r) => r.at.getTime()).sort((a, b) => a - b);
    const seconds = ts.length > 1 ? (ts.at(-1)! - ts[0]!) / 1000 : 0;
    return {
      requests: ts.length,
      rateLimited: limited.length,
      retriesConsumed: retries.length,
      peak1s: maxInWindow(ts, 1000),
      sentPeak1s: maxInWindow(sentTs, 1000),
      meanPerSecond: seconds > 0 ? (ts.length - 1) / seconds : NaN,
      seconds,
    };
  } finally {
    await stack.stop();
  }
}

const line = (label: string, value: string, goal = '', ok?: boolean) =>
  console.log(
    `    ${label.padEnd(34)} ${value.padEnd(18)} ${goal.padEnd(16)} ${ok === undefined ? '' : ok ? 'ok' : 'MISSED'}`,
  );

export default async function carrierBackoff(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const count = Number(args.find((a) => a.startsWith('--numbers='))?.slice(10) ?? (quick ? 20 : 120));
  const cps = Number(args.find((a) => a.startsWith('--cps='))?.slice(6) ?? 2);
  console.log(
    `carrier-backoff benchmark${quick ? ' (--quick)' : ''}: ${count} numbers, account ${ACCOUNT.calls_per_minute} ` +
      `calls/min, Twilio connection ceiling ${cps} calls/s; load average at start ${os.loadavg()[0]!.toFixed(2)}`,
  );
  const results: Array<[string, RunFigures]> = [];
  for (const [label, share] of [
    ['baseline: no 429s', 0],
    ['20 % of dials answered 429', 0.2],
  ] as const) {
    const f = await run(share, count, cps);
    results.push([label, f]);
    console.log(`  ${label}`);
    line('requests at the carrier', `${f.requests} (429: ${f.rateLimited})`);
    line('retries consumed', String(f.retriesConsumed), '= 0', f.retriesConsumed === 0);
    const ceiling = Math.ceil(cps);
    line('most calls sent in any 1 s', String(f.sentPeak1s), `≤ ${ceiling}`, f.sentPeak1s <= ceiling);
    line('most requests at the carrier, 1 s', String(f.peak1s), `(delivery jitter)`);
    line(
      'mean request rate',
      `${f.meanPerSecond.toFixed(2)}/s over ${f.seconds.toFixed(1)} s`,
      `≤ ${cps}/s`,
      f.meanPerSecond <= cps,
    );
  }
  const [base, faulty] = [results[0]![1], results[1]![1]];
  console.log(
    `  with 429s the connection sent at ${(faulty.meanPerSecond / base.meanPerSecond).toFixed(2)}× the baseline's ` +
      `rate; load average at end ${os.loadavg()[0]!.toFixed(2)}`,
  );
}
