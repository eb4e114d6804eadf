import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '../../domain/csv';

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
