/**
 * SPEC §2 `sort_by=name:asc|desc`: names order case-insensitively, as Exotel's own database does,
 * whatever this database's default collation (under `C`, plain `order by name` puts every capital
 * before every small letter). Ties between spellings of one name fall back to the name itself, so
 * the order is total and pages never overlap.
 */
import { asc, desc, sql, type AnyColumn, type SQL } from 'drizzle-orm';

/** `order by lower(col) <dir>, col <dir>` for each column, in the order given. */
export function nameOrder(direction: 'asc' | 'desc', ...columns: AnyColumn[]): SQL[] {
  const dir = direction === 'asc' ? asc : desc;
  return [...columns.map((col) => dir(sql`lower(${col})`)), ...columns.map((col) => dir(col))];
}
