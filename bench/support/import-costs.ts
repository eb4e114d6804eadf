/**
 * `bench csv-import --costs`: what each index and foreign key of the tables an import and its snapshot write costs,
 * from scratch tables of the same shape filled by `COPY`, bare and then with one more index or constraint at a time.
 * docs/architecture.md keeps or drops each by what this prints.
 */
import { readFileSync } from 'node:fs';
import type postgres from 'postgres';
import type { EmbeddedStack } from '../../bin/embedded-stack';
import { copyField, copyIn } from '../../db/queries/copy-text';
import { orderedSids } from '../../domain/ordered-sids';
import { newSid } from '../../domain/ids';
import { median } from './figures';

interface Step {
  what: string;
  /** SQL run on the empty scratch table before the COPY. */
  ddl: string;
}

async function timedCopies(sql: postgres.Sql, table: string, columns: string, text: string, steps: Step[]) {
  const out: Array<{ what: string; ms: number }> = [];
  const conn = await sql.reserve();
  try {
    for (const step of steps) {
      await conn.unsafe(step.ddl);
      const runs: number[] = [];
      for (let i = 0; i < 2; i++) {
        await conn.unsafe(`truncate ${table}`);
        const t = performance.now();
        await copyIn(conn, `copy ${table} (${columns}) from stdin`, text);
        runs.push(performance.now() - t);
      }
      out.push({ what: step.what, ms: median(runs) });
    }
  } finally {
    conn.release();
  }
  return out;
}

function lines(title: string, results: Array<{ what: string; ms: number }>): string[] {
  const base = results[0]!.ms;
  let previous = base;
  const rows = results.map((r) => {
    const step = `(+${((r.ms - previous) / 1000).toFixed(2)} s)`;
    const line = `    ${r.what.padEnd(58)} ${(r.ms / 1000).toFixed(2)} s  ${step}`;
    previous = r.ms;
    return line;
  });
  return [`  ${title} (bare heap ${(base / 1000).toFixed(2)} s; each line adds one thing to the one before)`, ...rows];
}

/** Prints the cost of each index and key, for `rows` rows of `file`. */
export async function importCosts(stack: EmbeddedStack, file: string, rows: number): Promise<string[]> {
  const sql = stack.db.$client;
  const numbers = [...readFileSync(file, 'utf8').matchAll(/^(\+\d+),([^,]*),([^,]*),/gm)].map((m) => m.slice(1, 4));
  // A fresh account: the real `contacts` rows loaded below (for the contact key) must not collide.
  const account = `costs_${newSid().slice(0, 8)}`;
  await sql`insert into accounts (sid, api_key, api_token_hash, webhook_secret)
            values (${account}, ${account}, 'x', 'x')`;
  const listSid = newSid();
  const campaignId = newSid();
  await sql`insert into lists (sid, account_sid, name) values (${listSid}, ${account}, ${`costs ${listSid}`})`;
  await sql`
    insert into campaigns (id, account_sid, name, caller_id, retries, status, date_created, date_updated)
    values (${campaignId}, ${account}, 'costs', '08012345678', '{}'::jsonb, 'Created', now(), now())`;
  const ordered = orderedSids(numbers.length);
  const random = numbers.map(() => newSid());
  const contactRows = (sids: string[]) =>
    numbers
      .map(([n, f, l], i) => `${sids[i]}\t${account}\t${n}\t${copyField(f!)}\t${copyField(l!)}\tnow\tnow\n`)
      .join('');
  const contactColumns = 'sid, account_sid, number, first_name, last_name, date_created, date_updated';
  await sql.unsafe(`
    drop table if exists cost_contacts, cost_members, cost_numbers;
    create table cost_contacts (like contacts including defaults);
    create table cost_members (like list_memberships including defaults);
    create table cost_numbers (like campaign_numbers including defaults)`);
  const contacts = await timedCopies(sql, 'cost_contacts', contactColumns, contactRows(ordered), [
    { what: 'no index (sids in increasing order)', ddl: 'select 1' },
    { what: 'primary key (sid)', ddl: 'alter table cost_contacts add primary key (sid)' },
    {
      what: 'unique (account_sid, number)',
      ddl: 'create unique index on cost_contacts (account_sid, number)',
    },
    {
      what: 'foreign key account_sid → accounts',
      ddl: 'alter table cost_contacts add foreign key (account_sid) references accounts (sid)',
    },
  ]);
  const randomContacts = await timedCopies(sql, 'cost_contacts', contactColumns, contactRows(random), [
    { what: 'the same, with random sids instead', ddl: 'select 1' },
  ]);
  // Memberships reference real contacts (for the contact foreign key): the ordered ones, loaded now.
  const loader = await sql.reserve();
  await copyIn(loader, `copy contacts (${contactColumns}) from stdin`, contactRows(ordered));
  loader.release();
  const memberRows = ordered.map((sid, i) => `${listSid}\t${sid}\t{"plan":"Gold","ref":"REF-${i}"}\n`).join('');
  const members = await timedCopies(sql, 'cost_members', 'list_sid, contact_sid, vars', memberRows, [
    { what: 'no index', ddl: 'select 1' },
    {
      what: 'primary key (list_sid, contact_sid)',
      ddl: 'alter table cost_members add primary key (list_sid, contact_sid)',
    },
    { what: 'index (list_sid, seq): list order', ddl: 'create index on cost_members (list_sid, seq)' },
    {
      what: 'foreign key list_sid → lists',
      ddl: 'alter table cost_members add foreign key (list_sid) references lists (sid)',
    },
    {
      what: 'foreign key contact_sid → contacts',
      ddl: 'alter table cost_members add foreign key (contact_sid) references contacts (sid)',
    },
  ]);
  const numberRows = numbers.map(([n], i) => `${campaignId}\t${i}\t${n}\tpending\tnow\n`).join('');
  const snapshot = await timedCopies(
    sql,
    'cost_numbers',
    'campaign_id, position, number, status, date_updated',
    numberRows,
    [
      { what: 'no index', ddl: 'select 1' },
      {
        what: 'primary key (campaign_id, position)',
        ddl: 'alter table cost_numbers add primary key (campaign_id, position)',
      },
      { what: 'index (campaign_id, status)', ddl: 'create index on cost_numbers (campaign_id, status)' },
      {
        what: 'foreign key campaign_id → campaigns',
        ddl: 'alter table cost_numbers add foreign key (campaign_id) references campaigns (id)',
      },
    ],
  );
  await sql.unsafe('drop table cost_contacts, cost_members, cost_numbers');
  await sql`delete from contacts where account_sid = ${account}`;
  await sql`delete from lists where sid = ${listSid}`;
  await sql`delete from campaigns where id = ${campaignId}`;
  return [
    `Hidden costs: COPY of ${rows.toLocaleString('en')} rows into tables shaped like the import's (median of 2)`,
    ...lines('contacts', [...contacts, ...randomContacts]),
    ...lines('list_memberships', members),
    ...lines('campaign_numbers (the snapshot at start)', snapshot),
  ];
}
