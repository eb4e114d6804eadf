/**
 * `npm run bench -- restart [--numbers N]`: issue 10 "waiting costs nothing". One campaign whose numbers
 * all run at once (each busy on its first call, sleeping to its retry) while the worker is SIGKILLed and
 * restarted; beside it the same campaign with no kill, in the same run. Prints the workflow tasks over
 * 1 s the worker logged (TMPRL1104) in each, and how many number workflows ran when the kill struck.
 */
import { loadavg } from 'node:os';
import { runChaos } from '../bin/chaos/run';

const arg = (args: string[], name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

const row = (label: string, value: string) => `  ${label.padEnd(58)} ${value}\n`;

export default async function restart(args: string[]): Promise<void> {
  const numbers = Number(arg(args, 'numbers') ?? 1000);
  process.stdout.write(
    `restart (issue 10): ${numbers} numbers, each busy once and retried after 4 min, 600/min and 100 channels, ` +
      `worker SIGKILLed once; load average at start ${loadavg()
        .map((x) => x.toFixed(2))
        .join(', ')}\n`,
  );
  const report = await runChaos({
    numbers,
    faults: ['worker'],
    // Every number is busy on its first call and retried 4 minutes later: by the kill all of them
    // have been dialled once and sleep until their retry, each a running number workflow.
    lastDigit: 9,
    retryIntervalMins: 4,
    gapMs: Math.max(60_000, numbers * 150),
    downMs: { worker: 3000 },
    dropCallbackShare: 0,
    receiverDown: null,
    pauseAfterFault: null,
    baseline: true,
    deadlineMs: 40 * 60_000,
    // Every number of the campaign has its workflow running: none waits in the database for a slot.
    window: { maxLiveNumbers: numbers, maxRunChildren: numbers + 100 },
    log: (line) => process.stderr.write(`  · ${line}\n`),
    keepDir: args.includes('--keep'),
  });
  const running = report.runningAtFaults[0];
  process.stdout.write(row('number workflows running when the worker was killed', String(running ?? 'unread')));
  process.stdout.write(
    row('workflow tasks over 1 s, with the kill (goal 0)', String(report.slowWorkflowTasks)) +
      row('workflow tasks over 1 s, the same campaign without it', String(report.slowWorkflowTasksBaseline)),
  );
  const b = report.baseline;
  const c = report.chaos;
  process.stdout.write(
    row(
      'campaign end, with the kill / without',
      `${c.status} in ${c.completedInS ?? '—'} s / ` + `${b?.status ?? '—'} in ${b?.completedInS ?? '—'} s`,
    ) +
      row('duplicate dials / numbers not final', `${c.duplicateDials} / ${c.notFinal}`) +
      row('longest time with no dial while work was due', `${c.longestNoDialS.toFixed(1)} s`) +
      row('load average at the end', report.loadAverage.map((x) => x.toFixed(2)).join(', ')),
  );
}
