/**
 * An open-loop load generator in a process of its own (so its CPU and event loop are not the API's):
 * `node --import tsx bench/support/load.ts <url> <authorization> <per-second> <seconds>` sends one GET
 * every 1/<per-second> s whatever the answers do, and prints one JSON line: the latency of each
 * request in ms (in send order), how many were not 200, and how many ended with each status.
 */
export {};

const [url, authorization, perSecond, seconds] = process.argv.slice(2);
if (!url || !authorization || !perSecond || !seconds) {
  process.stderr.write('usage: load.ts <url> <authorization> <per-second> <seconds>\n');
  process.exit(2);
}
const rate = Number(perSecond);
const total = Math.round(rate * Number(seconds));
const latencies: number[] = new Array<number>(total);
let failed = 0;
/** Answers by HTTP status, and `error` for a request that got none (reset, refused). */
const statuses: Record<string, number> = {};
const count = (key: string) => void (statuses[key] = (statuses[key] ?? 0) + 1);
const started = performance.now();
const inflight: Array<Promise<void>> = [];
for (let i = 0; i < total; i++) {
  const due = started + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  // Latency from the moment the request was due, so a stalled sender cannot hide a slow server.
  inflight.push(
    fetch(url, { headers: { authorization } }).then(
      async (res) => {
        await res.arrayBuffer();
        if (res.status !== 200) failed++;
        count(String(res.status));
        latencies[i] = performance.now() - due;
      },
      () => {
        failed++;
        count('error');
        latencies[i] = performance.now() - due;
      },
    ),
  );
}
await Promise.all(inflight);
process.stdout.write(`${JSON.stringify({ latencies, failed, statuses })}\n`);
