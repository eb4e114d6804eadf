/**
 * SPEC §5 "CSV": an incremental RFC 4180 reader for uploaded contact files. Text is pushed in pieces of any size (a
 * quoted field, a CRLF or a BOM may straddle two pieces) and complete records come out, so a 60 MB file is read with
 * flat memory. Tolerates a UTF-8 BOM, CRLF / LF / lone CR line ends, quoted fields with commas, doubled quotes and
 * newlines, and (leniently) a stray quote inside an unquoted field. Pure: no I/O.
 */

/** One record: its fields, and what was wrong with it when the reader had to be lenient. */
export interface CsvRecord {
  fields: string[];
  /** `field_too_long`: a field passed `maxFieldChars` (kept truncated); `unterminated_quote`: EOF inside quotes. */
  problem?: 'field_too_long' | 'unterminated_quote';
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

export class CsvParser {
  private field = '';
  private fields: string[] = [];
  /** Inside a quoted field. */
  private quoted = false;
  /** Inside a quoted field, just after a `"`: either an escaped quote or the field's end. */
  private quoteSeen = false;
  /** The current field has content (so a `"` is literal rather than opening a quoted field). */
  private started = false;
  /** The previous piece ended with CR: a LF at the start of the next piece belongs to it. */
  private afterCr = false;
  private first = true;
  private tooLong = false;

  constructor(private readonly maxFieldChars = 1 << 20) {}

  /** Feeds the next piece of text; complete records are appended to `out`. */
  push(text: string, out: CsvRecord[]): void {
    let i = 0;
    const n = text.length;
    if (this.first && n > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    if (this.afterCr && i < n) {
      this.afterCr = false;
      if (text.charCodeAt(i) === LF) i++;
    }
    let segment = i;
    while (i < n) {
      const ch = text.charCodeAt(i);
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (ch === QUOTE) {
            // `""` inside quotes: one literal quote. The segment already ends before the first one.
            segment = i;
            i++;
            continue;
          }
          this.quoted = false;
          // Fall through: this character is read as outside quotes.
        } else {
          if (ch === QUOTE) {
            this.append(text, segment, i);
            this.quoteSeen = true;
            segment = i + 1;
          }
          i++;
          continue;
        }
      }
      if (ch === COMMA) {
        this.append(text, segment, i);
        this.endField();
        segment = i + 1;
      } else if (ch === LF || ch === CR) {
        this.append(text, segment, i);
        this.endRecord(out);
        if (ch === CR) {
          if (i + 1 < n) {
            if (text.charCodeAt(i + 1) === LF) i++;
          } else {
            this.afterCr = true;
          }
        }
        segment = i + 1;
      } else if (ch === QUOTE && !this.started && segment === i) {
        this.quoted = true;
        this.started = true;
        segment = i + 1;
      } else {
        this.started = true;
      }
      i++;
    }
    if (this.quoted && this.quoteSeen) return;
    this.append(text, segment, n);
  }

  /** Ends the input: the last record, when the file does not end with a newline. */
  end(out: CsvRecord[]): void {
    const unterminated = this.quoted && !this.quoteSeen;
    this.quoted = false;
    this.quoteSeen = false;
    if (this.fields.length > 0 || this.field !== '' || this.started) {
      this.endRecord(out);
      if (unterminated) out[out.length - 1]!.problem = 'unterminated_quote';
    }
  }

  private append(text: string, from: number, to: number): void {
    if (to <= from) return;
    this.started = true;
    if (this.field.length >= this.maxFieldChars) {
      this.tooLong = true;
      return;
    }
    this.field += text.slice(from, to);
    if (this.field.length > this.maxFieldChars) {
      this.field = this.field.slice(0, this.maxFieldChars);
      this.tooLong = true;
    }
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.started = false;
    this.quoted = false;
  }

  private endRecord(out: CsvRecord[]): void {
    this.endField();
    const record: CsvRecord = { fields: this.fields };
    if (this.tooLong) record.problem = 'field_too_long';
    out.push(record);
    this.fields = [];
    this.tooLong = false;
  }
}

/** Parses a whole text at once (tests, small inputs). */
export function parseCsv(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  const p = new CsvParser();
  p.push(text, out);
  p.end(out);
  return out;
}

/** True for a record that is an empty line (one empty field) or only empty fields. */
export function isBlankRecord(r: CsvRecord): boolean {
  return r.fields.every((f) => f.trim() === '');
}
