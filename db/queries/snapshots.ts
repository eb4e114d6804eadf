/**
 * SPEC §5 "A campaign snapshots its lists' memberships when it starts": the list campaign's numbers,
 * copied into `campaign_numbers` in one INSERT ... SELECT, so later edits to a list never change a
 * running campaign. The API also takes one at create time as a preview, so `stats` reflect the lists
 * then (SPEC §3 "Response"); the snapshot at start replaces it.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import type { Tx } from './campaigns';
import { REASONS } from '../../domain/attempt-status';

/**
 * The numbers of the campaign's lists: list order (as in `campaigns.lists`), then membership order;
 * de-duplicated by E.164 number (first occurrence wins) unless `call_duplicate_numbers`.
 */
const SOURCE = (campaignId: string) => sql`
  with cp as (
    select id, account_sid, lists, call_duplicate_numbers from campaigns where id = ${campaignId}
  ),
  src as (
    select c.number,
           nullif(concat_ws(' ', nullif(c.first_name, ''), nullif(c.last_name, '')), '') as name,
           c.sid as contact_sid,
           jsonb_strip_nulls(jsonb_build_object(
             'number', c.number, 'first_name', c.first_name, 'last_name', c.last_name,
             'company_name', c.company_name, 'email', c.email, 'tag', c.tag
           )) || coalesce(m.vars, '{}'::jsonb) as vars,
           l.ord,
           m.seq
      from cp
      cross join lateral jsonb_array_elements_text(coalesce(cp.lists, '[]'::jsonb)) with ordinality as l(list_sid, ord)
      join lists on lists.sid = l.list_sid and lists.account_sid = cp.account_sid
      join list_memberships m on m.list_sid = l.list_sid
      join contacts c on c.sid = m.contact_sid
  ),
  picked as (
    select * from src where (select call_duplicate_numbers from cp)
    union all
    (select distinct on (number) * from src where not (select call_duplicate_numbers from cp) order by number, ord, seq)
  )`;

/** SPEC §3, §7 (ext): a number on the account's do-not-call list is `suppressed`, reason `dnc`. */
const DNC_STATUS = sql`case when dnc.number is null then 'pending' else 'suppressed' end,
           case when dnc.number is null then null else ${REASONS.dnc} end`;

/**
 * Replaces the campaign's `campaign_numbers` with a snapshot of its lists (`pending`), positions
 * 0.. in dialling order; `name` is the contact's first and last name, `vars` its standard fields plus
 * the membership's dynamic columns (what `renderGreeting` reads); numbers on the do-not-call list are
 * `suppressed`. Returns how many numbers it holds.
 * Run it in the transaction that starts the campaign, before any number is dialled; a campaign with
 * `from` instead of lists is left untouched (returns its current count).
 */
export async function snapshotListNumbers(tx: Db | Tx, campaignId: string): Promise<number> {
  const [source] = await tx.execute<{ lists: string[] | null; n: number }>(sql`
    select lists, (select count(*)::int from campaign_numbers where campaign_id = ${campaignId}) as n
      from campaigns where id = ${campaignId}`);
  if (!source) throw new Error(`snapshotListNumbers: campaign ${campaignId} does not exist`);
  if (source.lists === null) return source.n;
  await tx.execute(sql`delete from campaign_numbers where campaign_id = ${campaignId}`);
  const inserted = await tx.execute(sql`
    ${SOURCE(campaignId)}
    insert into campaign_numbers (campaign_id, position, number, name, contact_sid, vars, status, reason, date_updated)
    select ${campaignId}, (row_number() over (order by ord, seq) - 1)::int, picked.number, name, contact_sid, vars,
           ${DNC_STATUS}, now()
      from picked
      left join dnc_numbers dnc on dnc.account_sid = (select account_sid from cp) and dnc.number = picked.number`);
  return inserted.count;
}
