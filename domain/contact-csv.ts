/**
 * SPEC §5 the rules of a contact CSV: a `number` column; standard columns
 * `first_name,last_name,company_name,email,tag`; a `static` upload refuses others, a `dynamic` one keeps up to 20 named
 * `[A-Za-z_][A-Za-z0-9_]*`. Then per row: its E.164 number, fields and variables, or why it fails.
 */
import type { CsvRecord } from './csv-parser';
import { toE164 } from './phone';
import { textProblem, withoutUnsafeText } from './text-safety';

export const LIST_TYPES = ['static', 'dynamic'] as const;
export type ListType = (typeof LIST_TYPES)[number];

/** The columns every contact has; `number` is the one a CSV must carry. */
export const STANDARD_COLUMNS = ['number', 'first_name', 'last_name', 'company_name', 'email', 'tag'] as const;
export type StandardColumn = (typeof STANDARD_COLUMNS)[number];

export const MAX_EXTRA_COLUMNS = 20;
/** SPEC §5 caps: contacts a list may hold. */
export const LIST_CAPS: Record<ListType, number> = { static: 100_000, dynamic: 500_000 };
/** A cell longer than this fails its row (`field_too_long`); a contact field is never a document. */
export const MAX_CELL_CHARS = 1000;
/** Failures reported in csv-status (the count covers them all). */
export const MAX_REPORTED_FAILURES = 1000;

export const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * SPEC §1: a NUL byte in a CSV cell fails its row. PostgreSQL text cannot hold a NUL, so the upload
 * stores each one as U+FFFF (a noncharacter no text carries) and the row rules read it back as a NUL.
 */
export const STORED_NUL = '\uFFFF';

/** The file's text as the upload stores it: every NUL byte as `STORED_NUL`. */
export function storableCsvText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', STORED_NUL) : text;
}

/** What is wrong with one cell's text (a NUL, stored or not; a lone surrogate), or null. */
function cellProblem(text: string): string | null {
  return textProblem(text) ?? (text.includes(STORED_NUL) ? 'a NUL byte (U+0000)' : null);
}

const STANDARD = new Set<string>(STANDARD_COLUMNS);

export function isStandardColumn(name: string): name is StandardColumn {
  return STANDARD.has(name);
}

/** Where each column of a valid header is. */
export interface CsvLayout {
  /** Header names as written (trimmed), in file order. */
  header: string[];
  /** Index of each standard column present. */
  standard: Partial<Record<StandardColumn, number>>;
  /** Extra (template) columns in file order, with their index. */
  extras: Array<{ name: string; index: number }>;
}

export type HeaderResult = { ok: true; layout: CsvLayout } | { ok: false; description: string };

/** SPEC §5 header rules, for an upload of `type`. Descriptions name the offending column. */
export function checkCsvHeader(cells: string[], type: ListType): HeaderResult {
  const header = cells.map((c) => c.trim());
  if (header.length === 1 && header[0] === '')
    return { ok: false, description: 'file_name: the CSV has no header row; it needs a number column' };
  if (header.some((name) => cellProblem(name) !== null)) {
    return { ok: false, description: 'file_name: the header row contains NUL bytes; upload a UTF-8 CSV (not UTF-16)' };
  }
  const seen = new Set<string>();
  const layout: CsvLayout = { header, standard: {}, extras: [] };
  for (const [index, name] of header.entries()) {
    if (!COLUMN_NAME.test(name)) {
      return {
        ok: false,
        description:
          `file_name: header column ${index + 1} ${JSON.stringify(name)} is not a valid column name ` +
          `(letters, digits and _, not starting with a digit)`,
      };
    }
    if (seen.has(name))
      return { ok: false, description: `file_name: header column ${JSON.stringify(name)} appears twice` };
    seen.add(name);
    if (isStandardColumn(name)) layout.standard[name] = index;
    else layout.extras.push({ name, index });
  }
  if (layout.standard.number === undefined) {
    return {
      ok: false,
      description: `file_name: the CSV header has no number column; got ${JSON.stringify(header.join(','))}`,
    };
  }
  if (type === 'static' && layout.extras.length > 0) {
    return {
      ok: false,
      description:
        `file_name: a static upload takes only the columns ${STANDARD_COLUMNS.join(', ')}; ` +
        `got ${layout.extras.map((e) => e.name).join(', ')} (use type=dynamic for template columns)`,
    };
  }
  if (layout.extras.length > MAX_EXTRA_COLUMNS) {
    return {
      ok: false,
      description:
        `file_name: a dynamic upload keeps at most ${MAX_EXTRA_COLUMNS} extra columns; got ` +
        `${layout.extras.length}`,
    };
  }
  return { ok: true, layout };
}

/** A list's columns after an upload: the union of its uploads' headers, in first-seen order. */
export function mergeColumns(existing: string[], header: string[]): string[] {
  const out = [...existing];
  for (const name of header) if (!out.includes(name)) out.push(name);
  return out;
}

export type RowFailureReason =
  | 'missing_number'
  | 'invalid_number'
  | 'too_many_fields'
  | 'field_too_long'
  | 'unterminated_quote'
  | 'list_full'
  /** SPEC §1: a cell holds a NUL byte or a lone surrogate. */
  | 'invalid_characters';

/** One row of the csv-status failure report (row 1 = the first data row). */
export interface RowFailure {
  row: number;
  number: string;
  reason: RowFailureReason;
  /** (ext) a human detail, e.g. why a number is invalid. */
  detail?: string;
}

/** A row that can be added: contact fields (null when empty) and the membership's variables. */
export interface ContactRow {
  row: number;
  e164: string;
  /** The number as written, for failure reports. */
  raw: string;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  email: string | null;
  tag: string | null;
  /** Extra columns (dynamic uploads), empty values kept as "". Null for a static upload. */
  vars: Record<string, string> | null;
}

export type RowResult = { ok: true; contact: ContactRow } | { ok: false; failure: RowFailure };

const cell = (r: CsvRecord, index: number | undefined): string =>
  index === undefined ? '' : (r.fields[index] ?? '').trim();
const orNull = (s: string): string | null => (s === '' ? null : s);

/** Validates one data row against the layout; `row` is its 1-based data-row number. */
export function contactFromRecord(record: CsvRecord, row: number, layout: CsvLayout, defaultRegion: string): RowResult {
  const raw = cell(record, layout.standard.number);
  // The failure report is stored and echoed: its copy of the number never carries unsafe text.
  const fail = (reason: RowFailureReason, detail?: string): RowResult => ({
    ok: false,
    failure: {
      row,
      number: withoutUnsafeText(raw).replaceAll(STORED_NUL, '\uFFFD'),
      reason,
      ...(detail && { detail }),
    },
  });
  if (record.problem) return fail(record.problem);
  for (const [i, field] of record.fields.entries()) {
    const problem = cellProblem(field);
    if (problem) return fail('invalid_characters', `column ${layout.header[i] ?? i + 1} contains ${problem}`);
  }
  const width = layout.header.length;
  if (record.fields.length > width && record.fields.slice(width).some((f) => f.trim() !== '')) {
    return fail('too_many_fields', `the row has ${record.fields.length} fields; the header has ${width}`);
  }
  if (record.fields.some((f) => f.length > MAX_CELL_CHARS))
    return fail('field_too_long', `a field is longer than ${MAX_CELL_CHARS} characters`);
  if (raw === '') return fail('missing_number');
  const e164 = toE164(raw, defaultRegion);
  if (!e164.ok) return fail('invalid_number', e164.reason);
  let vars: Record<string, string> | null = null;
  if (layout.extras.length > 0) {
    vars = {};
    for (const { name, index } of layout.extras) vars[name] = cell(record, index);
  }
  return {
    ok: true,
    contact: {
      row,
      e164: e164.e164,
      raw,
      firstName: orNull(cell(record, layout.standard.first_name)),
      lastName: orNull(cell(record, layout.standard.last_name)),
      companyName: orNull(cell(record, layout.standard.company_name)),
      email: orNull(cell(record, layout.standard.email)),
      tag: orNull(cell(record, layout.standard.tag)),
      vars,
    },
  };
}
