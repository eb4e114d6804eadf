/**
 * Row counts of every table of the database, for tests that prove a rejected request changed nothing
 * (SPEC §1 "Nothing is half-written when a request is rejected"). `api_requests` and
 * `api_rate_counters` are left out: they are the rate limit's log and its per-bucket counter, which
 * count every authenticated request by design.
 */
import type { Db } from '../../db/client';

/** Tables whose rows every request may add to, by design. */
const COUNTED_BY_DESIGN = new Set(['api_requests', 'api_rate_counters']);

export async function tableCounts(db: Db): Promise<Record<string, number>> {
  const tables = await db.$client<Array<{ name: string }>>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
  const names = tables.map((t) => t.name).filter((n) => !COUNTED_BY_DESIGN.has(n));
  if (names.length === 0) return {};
  const selects = names.map((n) => `select '${n}' as name, count(*)::int as n from "${n}"`).join(' union all ');
  const rows = await db.$client.unsafe<Array<{ name: string; n: number }>>(selects);
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}
