/**
 * `npm run chaos` (`npm run bench -- chaos [--quick] [--numbers=N] [--no-faults]`): the fault suite (bin/chaos/run.ts):
 * one campaign on Outcall split into processes while its worker, API, Temporal and PostgreSQL are killed, callbacks
 * dropped and the webhook receiver down. Faults and bounds: docs/benchmarks.md.
 */
import { loadavg } from 'node:os';
import { runChaos, type CampaignFigures, type Fault } from '../bin/chaos/run';

const arg = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

const FULL: Fault[] = [
  'worker',
  'api',
  'worker',
  'temporal',
  'worker',
  'api',
  'worker',
  'worker',
  'postgres',
  'worker',
  'api',
  'worker',
  'worker',
  'worker',
  'worker',
];
const QUICK: Fault[] = ['worker', 'api', 'worker', 'worker'];

function row(label: string, value: string, goal = '', ok?: boolean): string {
  const verdict = ok === undefined ? '' : ok ? 'ok' : 'MISSED';
  return `  ${label.padEnd(46)} ${value.padEnd(22)} ${goal.padEnd(30)} ${verdict}\n`;
}

function campaignRows(f: CampaignFigures): string {
  return [
    row('campaign status', f.status),
    row('numbers', String(f.numbers)),
    row('dials (requests the carrier received)', String(f.dials)),
    row('duplicate dials (same number and attempt)', String(f.duplicateDials), '0', f.duplicateDials === 0),
    row('numbers not final', String(f.notFinal), '0', f.notFinal === 0),
    row('stats vs numbers/call-details mismatches', String(f.mismatches), '0', f.mismatches === 0),
    row('webhook events emitted', String(f.webhooksEmitted)),
    row('webhook events lost', String(f.webhooksLost), '0', f.webhooksLost === 0),
    row('webhook events delivered twice', String(f.webhooksDuplicated), '0', f.webhooksDuplicated === 0),
    row(
      'longest time with no dial while work was due',
      `${f.longestNoDialS.toFixed(1)} s`,
      '≤ 120 s',
      f.longestNoDialS <= 120,
    ),
    row('time to complete', f.completedInS === null ? 'did not complete' : `${f.completedInS.toFixed(0)} s`),
  ].join('');
}

export default async function chaos(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const numbers = Number(arg(args, 'numbers') ?? (quick ? 300 : 2000));
  // `--no-faults`: the same campaign and processes, nothing killed (a yardstick for one machine).
  const faults = args.includes('--no-faults') ? [] : quick ? QUICK : FULL;
  process.stdout.write(
    `chaos (issue 10${quick ? ', --quick' : ''}): ${numbers} numbers, account 600/min and 100 channels, ` +
      `faults ${faults.join(', ') || 'none'}, 20 % of callbacks dropped` +
      `${quick ? '' : ', webhook receiver down 3 min'}; load average at start ${loadavg()
        .map((x) => x.toFixed(2))
        .join(', ')}\n`,
  );
  const report = await runChaos({
    numbers,
    faults,
    gapMs: quick ? 15_000 : 25_000,
    downMs: { worker: 3000, api: 13_000, temporal: 5000, postgres: 5000 },
    dropCallbackShare: 0.2,
    receiverDown: quick ? null : { afterMs: 60_000, forMs: 180_000 },
    pauseAfterFault: quick ? 2 : 6,
    baseline: !quick,
    deadlineMs: (quick ? 20 : 45) * 60_000,
    log: (line) => process.stderr.write(`  · ${line}\n`),
    keepDir: args.includes('--keep'),
  });
  if (report.baseline) process.stdout.write(`\nwithout faults\n${campaignRows(report.baseline)}`);
  process.stdout.write(`\nwith faults\n${campaignRows(report.chaos)}`);
  const kills = Object.entries(report.kills)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  process.stdout.write(row('SIGKILLs', kills));
  process.stdout.write(row('time the killed processes were down', `${report.outageS.toFixed(0)} s`));
  process.stdout.write(
    row('carrier callbacks dropped / forwarded', `${report.callbacksDropped} / ${report.callbacksForwarded}`),
  );
  const b = report.baseline?.completedInS;
  const c = report.chaos.completedInS;
  if (b && c) {
    const goal = 1.5 + report.outageS / b;
    process.stdout.write(
      row(
        'time to complete ÷ without faults',
        (c / b).toFixed(2),
        `≤ 1.5 + outage/baseline = ${goal.toFixed(2)}`,
        c / b <= goal,
      ),
    );
  }
  const answer = (ms: number | null) => (ms === null ? 'not sent' : `${(ms / 1000).toFixed(2)} s`);
  process.stdout.write(
    row(
      '`pause` answered (sent while the worker restarted)',
      answer(report.pauseAnswerMs),
      '≤ 5 s',
      report.pauseAnswerMs !== null && report.pauseAnswerMs <= 5000,
    ),
  );
  process.stdout.write(
    row(
      '`resume` answered',
      answer(report.resumeAnswerMs),
      '≤ 5 s',
      report.resumeAnswerMs !== null && report.resumeAnswerMs <= 5000,
    ),
  );
  process.stdout.write(row('workflow tasks over 1 s (worker log, TMPRL1104)', String(report.slowWorkflowTasks)));
  process.stdout.write(row('load average at end', report.loadAverage.map((x) => x.toFixed(2)).join(', ')));
}
