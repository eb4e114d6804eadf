import { describe, expect, it } from 'vitest';
import { CsvParser, isBlankRecord, parseCsv, type CsvRecord } from '../../domain/csv-parser';

const fields = (records: CsvRecord[]) => records.map((r) => r.fields);

/** Feeds `text` in pieces of `size` characters, the way a stream delivers it. */
function inPieces(text: string, size: number): CsvRecord[] {
  const out: CsvRecord[] = [];
  const p = new CsvParser();
  for (let i = 0; i < text.length; i += size) p.push(text.slice(i, i + size), out);
  p.end(out);
  return out;
}

describe('§5 CSV reader', () => {
  it('reads a header and rows with LF line ends', () => {
    expect(fields(parseCsv('number,first_name\n+919876543210,Asha\n'))).toEqual([
      ['number', 'first_name'],
      ['+919876543210', 'Asha'],
    ]);
  });

  it('reads CRLF and lone CR line ends, and a last row without a newline', () => {
    expect(fields(parseCsv('a,b\r\n1,2\r3,4'))).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('drops a UTF-8 byte-order mark before the header', () => {
    expect(fields(parseCsv('\uFEFFnumber\n1\n'))[0]).toEqual(['number']);
  });

  it('reads quoted fields holding commas, doubled quotes and newlines', () => {
    expect(fields(parseCsv('number,company_name\n1,"Acme, Inc."\n2,"say ""hi"""\n3,"two\r\nlines"\n4,""\n'))).toEqual([
      ['number', 'company_name'],
      ['1', 'Acme, Inc.'],
      ['2', 'say "hi"'],
      ['3', 'two\r\nlines'],
      ['4', ''],
    ]);
  });

  it('gives the same records whatever the piece size, including splits inside quotes, CRLF and the BOM', () => {
    const text = '\uFEFFnumber,note\r\n1,"a ""quoted"", multi\r\nline"\r\n2,plain\r\n"3","x"\r\n';
    const whole = fields(parseCsv(text));
    for (const size of [1, 2, 3, 5, 7, 11]) expect(fields(inPieces(text, size)), `piece size ${size}`).toEqual(whole);
    expect(whole).toEqual([
      ['number', 'note'],
      ['1', 'a "quoted", multi\r\nline'],
      ['2', 'plain'],
      ['3', 'x'],
    ]);
  });

  it('keeps a stray quote inside an unquoted field as text', () => {
    expect(fields(parseCsv('1,5" screen\n'))).toEqual([['1', '5" screen']]);
  });

  it('reports blank lines as blank records', () => {
    const records = parseCsv('number\n\n1\n ,\n');
    expect(records.map(isBlankRecord)).toEqual([false, true, false, true]);
  });

  it('flags a quote left open at the end of the file', () => {
    const records = parseCsv('number,note\n1,"never closed\n2,x\n');
    expect(records).toHaveLength(2);
    expect(records[1]!.problem).toBe('unterminated_quote');
  });

  it('truncates and flags a field longer than the limit', () => {
    const out: CsvRecord[] = [];
    const p = new CsvParser(10);
    p.push(`${'x'.repeat(25)},y\n1,2\n`, out);
    p.end(out);
    expect(out[0]).toEqual({ fields: ['x'.repeat(10), 'y'], problem: 'field_too_long' });
    expect(out[1]).toEqual({ fields: ['1', '2'] });
  });
});
