import { describe, expect, it } from 'vitest';
import { crlfRecords, csvCell, csvRow } from '../../domain/csv';

describe('§4.10 report CSV cells', () => {
  it.each([
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
  ])('neutralises the formula %s', (input, out) => {
    expect(csvCell(input)).toBe(out);
  });

  it('keeps E.164 numbers and plain numbers as they are', () => {
    expect(csvCell('+919876543210')).toBe('+919876543210');
    expect(csvCell(-5)).toBe('-5');
  });

  it('quotes commas, quotes and newlines, and renders null as empty', () => {
    expect(csvRow(['a,b', 'say "hi"', 'x\ny', null, 3])).toBe('"a,b","say ""hi""","x\ny",,3\r\n');
  });
});

describe('COPY records to CRLF', () => {
  const copied = 'a,"x\ny",b\nc,"d""e\n"\n,,\n"\n"\n';
  const expected = 'a,"x\ny",b\r\nc,"d""e\n"\r\n,,\r\n"\n"\r\n';

  it('ends each record with CRLF and leaves LF inside quoted cells alone', () => {
    const state = { quoted: false };
    expect(Buffer.from(crlfRecords(Buffer.from(copied), state)).toString()).toBe(expected);
    expect(state.quoted).toBe(false);
  });

  it('gives the same bytes however the input is cut into chunks', () => {
    const bytes = Buffer.from(copied);
    for (let a = 0; a <= bytes.length; a++)
      for (let b = a; b <= bytes.length; b++) {
        const state = { quoted: false };
        const out = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)].map((c) =>
          Buffer.from(crlfRecords(c, state)),
        );
        expect(Buffer.concat(out).toString(), `${a},${b}`).toBe(expected);
      }
  });

  it('returns a chunk without a record end as it is', () => {
    const chunk = Buffer.from('"no end, yet');
    expect(crlfRecords(chunk, { quoted: false })).toBe(chunk);
  });
});
