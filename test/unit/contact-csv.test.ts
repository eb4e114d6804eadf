import { describe, expect, it } from 'vitest';
import {
  checkCsvHeader,
  contactFromRecord,
  mergeColumns,
  STORED_NUL,
  storableCsvText,
  type CsvLayout,
} from '../../domain/contact-csv';

const layoutOf = (header: string, type: 'static' | 'dynamic' = 'dynamic'): CsvLayout => {
  const r = checkCsvHeader(header.split(','), type);
  if (!r.ok) throw new Error(r.description);
  return r.layout;
};

describe('§5 CSV header rules', () => {
  it('needs a number column', () => {
    const r = checkCsvHeader(['phone', 'first_name'], 'static');
    expect(r).toEqual({
      ok: false,
      description: 'file_name: the CSV header has no number column; got "phone,first_name"',
    });
  });

  it('takes only standard columns in a static upload', () => {
    expect(checkCsvHeader(['number', 'first_name', 'last_name', 'company_name', 'email', 'tag'], 'static').ok).toBe(
      true,
    );
    const r = checkCsvHeader(['number', 'plan'], 'static');
    expect(r.ok === false && r.description).toMatch(/^file_name: a static upload takes only the columns .*; got plan/);
  });

  it('keeps up to 20 extra columns in a dynamic upload', () => {
    const extras = Array.from({ length: 20 }, (_, i) => `v${i}`);
    expect(checkCsvHeader(['number', ...extras], 'dynamic').ok).toBe(true);
    const r = checkCsvHeader(['number', ...extras, 'v20'], 'dynamic');
    expect(r.ok === false && r.description).toBe('file_name: a dynamic upload keeps at most 20 extra columns; got 21');
  });

  it.each([['due date'], ['9lives'], ['plan-b'], ['']])('rejects the column name %j', (name) => {
    const r = checkCsvHeader(['number', name], 'dynamic');
    expect(r.ok === false && r.description).toMatch(/is not a valid column name/);
  });

  it('rejects a column named twice, and trims header cells', () => {
    expect(checkCsvHeader(['number', 'plan', 'plan'], 'dynamic').ok).toBe(false);
    expect(layoutOf(' number , plan ').header).toEqual(['number', 'plan']);
  });

  it('merges a list columns with a new header in first-seen order', () => {
    expect(mergeColumns(['number', 'plan'], ['number', 'due', 'plan'])).toEqual(['number', 'plan', 'due']);
  });
});

describe('§5 CSV rows', () => {
  const layout = layoutOf('number,first_name,plan,due');

  it('normalises the number in the account region and splits fields from variables', () => {
    const r = contactFromRecord({ fields: ['98765 43210', 'Asha', 'gold', ''] }, 1, layout, 'IN');
    expect(r).toEqual({
      ok: true,
      contact: {
        row: 1,
        e164: '+919876543210',
        raw: '98765 43210',
        firstName: 'Asha',
        lastName: null,
        companyName: null,
        email: null,
        tag: null,
        vars: { plan: 'gold', due: '' },
      },
    });
  });

  it('fails a row with a bad or missing number, naming the reason', () => {
    expect(contactFromRecord({ fields: ['12ab', 'x'] }, 4, layout, 'IN')).toMatchObject({
      ok: false,
      failure: { row: 4, number: '12ab', reason: 'invalid_number' },
    });
    expect(contactFromRecord({ fields: ['', 'x'] }, 5, layout, 'IN')).toEqual({
      ok: false,
      failure: { row: 5, number: '', reason: 'missing_number' },
    });
  });

  it('fails a row with more non-empty fields than the header, and tolerates trailing empty ones', () => {
    expect(contactFromRecord({ fields: ['9876543210', 'a', 'b', 'c', 'd'] }, 2, layout, 'IN')).toMatchObject({
      ok: false,
      failure: { reason: 'too_many_fields' },
    });
    expect(contactFromRecord({ fields: ['9876543210', 'a', 'b', 'c', ''] }, 2, layout, 'IN').ok).toBe(true);
  });

  it('fails rows the reader flagged', () => {
    expect(contactFromRecord({ fields: ['9876543210'], problem: 'unterminated_quote' }, 9, layout, 'IN')).toMatchObject(
      {
        ok: false,
        failure: { row: 9, reason: 'unterminated_quote' },
      },
    );
  });

  it('fails a row whose cell holds a NUL (as stored) or a lone surrogate, reporting a storable number', () => {
    expect(storableCsvText('a\u0000b')).toBe(`a${STORED_NUL}b`);
    const stored = contactFromRecord({ fields: [`98765${STORED_NUL}43210`, 'x'] }, 3, layout, 'IN');
    expect(stored).toEqual({
      ok: false,
      failure: {
        row: 3,
        number: '98765\uFFFD43210',
        reason: 'invalid_characters',
        detail: 'column number contains a NUL byte (U+0000)',
      },
    });
    expect(contactFromRecord({ fields: ['9876543210', 'A\ud800'] }, 4, layout, 'IN')).toMatchObject({
      ok: false,
      failure: { reason: 'invalid_characters', detail: expect.stringContaining('lone surrogate') },
    });
  });

  it('refuses a header row with a NUL byte (a UTF-16 file)', () => {
    const header = storableCsvText('n\u0000u\u0000m\u0000b\u0000e\u0000r\u0000').split(',');
    expect(checkCsvHeader(header, 'static')).toMatchObject({
      ok: false,
      description: expect.stringContaining('UTF-16'),
    });
  });
});
