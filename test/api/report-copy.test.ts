/**
 * SPEC §4.10's `report.csv` as PostgreSQL's COPY renders it is byte for byte the row-by-row rendering: hostile cells
 * and instants around DST changes in zones with whole, half and three-quarter hour offsets; a download dropped half
 * way cancels its COPY and gives the connection back clean.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { campaignNumbers } from '../../db/schema';
import { openReportCopy } from '../../db/queries/report-copy';
import { reportRows } from '../../db/queries/reports';
import { csvRow } from '../../domain/csv';
import { formatOptional } from '../../domain/time';
import { freshDatabase, type TestDatabase } from '../support/db';
import { aCampaignRequest, call, provisionAccount, testDeps, type App, type TestAccount } from '../support/api';

let database: TestDatabase;
let app: App;

beforeAll(async () => {
  database = await freshDatabase();
  app = createApp(testDeps(database.db));
});
afterAll(async () => {
  await database?.drop();
});

const HEADER = [
  'number',
  'name',
  'status',
  'reason',
  'attempts',
  'last_status',
  'last_duration',
  'first_attempt_at',
  'last_attempt_at',
  'next_attempt_at',
];

const CELLS = [
  null,
  '',
  'Asha Rao',
  '=HYPERLINK("x")',
  '+SUM(A1)',
  '-1 busy',
  '@cmd',
  '+919876543210',
  '-5',
  '12.5',
  '+1.2.3',
  '-',
  '+',
  '=',
  '@',
  'a,b',
  'say "hi"',
  '"',
  'two\nlines',
  'carriage\rreturn',
  'crlf\r\nend',
  '\n',
  'back\\slash',
  'tab\there',
  ' padded ',
  "'quoted",
  'नमस्ते, दुनिया',
  'emoji 📞',
  '+٣٤',
];

/** Deterministic pseudo-random picks, so a failure is reproducible. */
function picker(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/** Instants around 2024's daylight-saving changes of the zones below, and spread over years. */
const DST_EDGES = ['2024-03-10T07:00:00Z', '2024-11-03T06:00:00Z', '2024-03-31T01:00:00Z', '2024-04-06T15:00:00Z'];

async function generatedCampaign(acct: TestAccount, n: number, seed: number): Promise<string> {
  const res = await call(app, acct, 'POST', `/v2/accounts/${acct.sid}/campaigns`, aCampaignRequest());
  expect(res.status).toBe(200);
  const id = res.json.response[0].data.id as string;
  await database.db.$client`delete from campaign_numbers where campaign_id = ${id}`;
  const random = picker(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const instant = () => {
    if (random() < 0.2) return null;
    const base = random() < 0.5 ? Date.parse(pick(DST_EDGES)) : Date.UTC(2020, 0, 1);
    const span = base === Date.UTC(2020, 0, 1) ? 10 * 365 * 86_400_000 : 2 * 3_600_000;
    return new Date(base - span / 2 + Math.floor(random() * span));
  };
  const rows = Array.from({ length: n }, (_, position) => ({
    campaignId: id,
    position,
    number: random() < 0.9 ? `+9198${String(10_000_000 + position).padStart(8, '0')}` : pick(CELLS.filter(Boolean))!,
    name: pick(CELLS),
    status: pick(['pending', 'completed', 'failed', 'retry', '-odd', '']),
    reason: pick(CELLS),
    attempts: Math.floor(random() * 4),
    lastStatus: pick([null, 'completed', 'busy', 'no-answer', '=x']),
    lastDuration: random() < 0.3 ? null : Math.floor(random() * 400) - 5,
    firstAttemptAt: instant(),
    lastAttemptAt: instant(),
    nextAttemptAt: instant(),
  }));
  for (let i = 0; i < rows.length; i += 1000) await database.db.insert(campaignNumbers).values(rows.slice(i, i + 1000));
  return id;
}

/** The report as the API rendered it before COPY: rows read by cursor, each cell by csvCell. */
async function renderedRowByRow(id: string, timeZone: string): Promise<string> {
  let out = csvRow(HEADER);
  for await (const rows of reportRows(database.db, id, 500))
    for (const r of rows)
      out += csvRow([
        r.number,
        r.name,
        r.status,
        r.reason,
        r.attempts,
        r.last_status,
        r.last_duration,
        formatOptional(r.first_attempt_at, timeZone),
        formatOptional(r.last_attempt_at, timeZone),
        formatOptional(r.next_attempt_at, timeZone),
      ]);
  return out;
}

describe('report.csv through COPY', () => {
  const zones = [
    'Asia/Kolkata',
    'America/New_York',
    'Europe/London',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'America/St_Johns',
    'Pacific/Chatham',
    'UTC',
  ];
  it.each(zones.map((zone, i) => [zone, i]))('gives the row-by-row bytes in %s', async (timezone, seed) => {
    const acct = await provisionAccount(database.db, { timezone, api_requests_per_minute: 10_000 });
    console.log('a');
    const id = await generatedCampaign(acct, 3000, Number(seed) + 1);
    console.log('b');
    const res = await app.request(`/v2/accounts/${acct.sid}/campaigns/${id}/report.csv`, {
      headers: { Authorization: acct.auth },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="campaign-${id}-report.csv"`);
    console.log('c');
    const body = await res.text();
    console.log('d');
    const expected = await renderedRowByRow(id, timezone);
    expect(body.split('\r\n').length).toBe(expected.split('\r\n').length);
    expect(body).toBe(expected);
  });

  it('leaves a zone PostgreSQL does not know to the row-by-row renderer', async () => {
    expect(await openReportCopy(database.db.$client, 'any', 'Not/A_Zone')).toBeNull();
    const [open] = await database.db.$client<Array<{ n: number }>>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in%'`;
    expect(open!.n).toBe(0);
  });

  it('cancels the COPY of a download dropped after its first chunk and returns the connection clean', async () => {
    const acct = await provisionAccount(database.db, { timezone: 'Asia/Kolkata', api_requests_per_minute: 10_000 });
    const id = await generatedCampaign(acct, 40_000, 99);
    const path = `/v2/accounts/${acct.sid}/campaigns/${id}/report.csv`;
    for (let i = 0; i < 12; i++) {
      const res = await app.request(path, { headers: { Authorization: acct.auth } });
      const reader = res.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      await reader.cancel();
    }
    // Twelve dropped downloads on a pool of ten: a connection kept would make this one wait for ever.
    const whole = await app.request(path, { headers: { Authorization: acct.auth } });
    expect(await whole.text()).toBe(await renderedRowByRow(id, 'Asia/Kolkata'));
    let busy = -1;
    for (let i = 0; i < 50 && busy !== 0; i++) {
      const [row] = await database.db.$client<Array<{ n: number }>>`
        select count(*)::int as n from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()
           and (state like 'idle in%' or query ilike 'copy%' and state = 'active')`;
      busy = row!.n;
      if (busy !== 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(busy).toBe(0);
  });
});
