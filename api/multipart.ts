/**
 * A streaming `multipart/form-data` reader (RFC 7578) for the CSV upload (SPEC §5): parts come one at a time, bodies in
 * pieces, so a large file never sits in memory. Malformed input, and names or fields holding a NUL byte or lone
 * surrogate, throw `ApiError` (400); errors of the stream (the body limit's 413) pass through.
 */
import { textProblem } from '../domain/text-safety';
import { ApiError } from './errors';

export interface PartHeaders {
  /** The `name` of `Content-Disposition: form-data`. */
  name: string;
  /** The `filename`, when the part is a file. */
  filename: string | null;
  contentType: string | null;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

/** The boundary of a `multipart/form-data` Content-Type, or null when it is not one. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]!) : null;
}

function malformed(why: string): ApiError {
  return new ApiError('INVALID_PARAMETER', `body: malformed multipart/form-data (${why})`);
}

/** `text` as given, or a 400 naming `field` when it holds a NUL byte or a lone surrogate. */
function safeText(text: string, field: string): string {
  const problem = textProblem(text);
  if (problem) {
    throw new ApiError(
      'INVALID_PARAMETER',
      `${field} contains ${problem}; text may not contain NUL bytes or lone surrogates`,
    );
  }
  return text;
}

/** One `key=value` or `key="value"` parameter of a header value. */
function param(value: string, key: string): string | null {
  const re = new RegExp(`(?:^|;)\\s*${key}\\*?=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i');
  const m = re.exec(value);
  if (!m) return null;
  if (m[1] !== undefined) return m[1].replace(/\\(.)/g, '$1');
  const raw = m[2]!.trim();
  // RFC 5987 `filename*=UTF-8''…`
  const ext = /^UTF-8''(.*)$/i.exec(raw);
  if (ext) {
    try {
      return decodeURIComponent(ext[1]!);
    } catch {
      return ext[1]!;
    }
  }
  return raw;
}

export class MultipartReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  /** `\r\n--boundary`: what ends a part's body. */
  private readonly delimiter: Buffer;
  private state: 'preamble' | 'headers' | 'body' | 'end' = 'preamble';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(stream: ReadableStream<Uint8Array>, boundary: string) {
    this.reader = stream.getReader();
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  /** Reads more of the stream into the buffer; false at its end. */
  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const { value, done } = await this.reader.read();
    if (done) {
      this.done = true;
      return false;
    }
    this.buf =
      this.buf.length === 0
        ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
        : Buffer.concat([this.buf, value]);
    return true;
  }

  /** The next part's headers (skipping what is left of the current part), or null after the last part. */
  async nextPart(): Promise<PartHeaders | null> {
    while (this.state === 'body') await this.readChunk();
    if (this.state === 'preamble') {
      // The first boundary may open the body without the leading CRLF.
      const first = this.delimiter.subarray(2);
      for (;;) {
        const at = this.buf.indexOf(first);
        if (at === 0 || (at > 0 && this.buf.indexOf(this.delimiter) === at - 2)) {
          this.buf = this.buf.subarray(at + first.length);
          break;
        }
        if (this.buf.length > MAX_HEADER_BYTES && at < 0) this.buf = this.buf.subarray(this.buf.length - first.length);
        if (!(await this.fill())) throw malformed('no opening boundary');
      }
      this.state = 'headers';
    }
    if (this.state === 'end') return null;
    // After a boundary: `--` ends the body, otherwise (optional padding and) CRLF, then headers.
    while (this.buf.length < 2) if (!(await this.fill())) throw malformed('the body ends after a boundary');
    if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) {
      this.state = 'end';
      await this.drain();
      return null;
    }
    let end: number;
    while ((end = this.buf.indexOf(HEADER_END)) < 0) {
      if (this.buf.length > MAX_HEADER_BYTES) throw malformed('part headers longer than 16 KB');
      if (!(await this.fill())) throw malformed('the body ends inside part headers');
    }
    const lineEnd = this.buf.indexOf(CRLF);
    const headerText = this.buf.subarray(lineEnd + 2, end).toString('utf8');
    this.buf = this.buf.subarray(end + HEADER_END.length);
    this.state = 'body';
    return this.parseHeaders(lineEnd === end ? '' : headerText);
  }

  private parseHeaders(text: string): PartHeaders {
    let disposition: string | null = null;
    let contentType: string | null = null;
    for (const line of text.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === 'content-disposition') disposition = value;
      else if (key === 'content-type') contentType = value;
    }
    if (!disposition || !/^form-data\b/i.test(disposition))
      throw malformed('a part has no Content-Disposition: form-data header');
    const name = param(disposition, 'name');
    if (name === null) throw malformed('a part has no name');
    safeText(name, 'body: a multipart part name');
    const filename = param(disposition, 'filename');
    if (filename !== null) safeText(filename, `${name}: the file name`);
    return { name, filename, contentType };
  }

  /** The next piece of the current part's body, or null at its end. */
  async readChunk(): Promise<Buffer | null> {
    if (this.state !== 'body') return null;
    for (;;) {
      const at = this.buf.indexOf(this.delimiter);
      if (at >= 0) {
        const piece = this.buf.subarray(0, at);
        this.buf = this.buf.subarray(at + this.delimiter.length);
        this.state = 'headers';
        if (piece.length > 0) {
          return piece;
        }
        return null;
      }
      // Keep a tail that could be the start of the delimiter; hand out the rest.
      const safe = this.buf.length - (this.delimiter.length - 1);
      if (safe > 0) {
        const piece = this.buf.subarray(0, safe);
        this.buf = this.buf.subarray(safe);
        return piece;
      }
      if (!(await this.fill())) throw malformed('the body ends inside a part');
    }
  }

  /** The rest of the current part as UTF-8 text, refusing more than `maxBytes`. */
  async readText(maxBytes: number, field: string): Promise<string> {
    const pieces: Buffer[] = [];
    let size = 0;
    for (let piece = await this.readChunk(); piece !== null; piece = await this.readChunk()) {
      size += piece.length;
      if (size > maxBytes) throw new ApiError('INVALID_PARAMETER', `${field}: longer than ${maxBytes} bytes`);
      pieces.push(piece);
    }
    return safeText(Buffer.concat(pieces).toString('utf8'), field);
  }

  /** Reads the epilogue so the request body is fully consumed. */
  private async drain(): Promise<void> {
    this.buf = Buffer.alloc(0);
    while (await this.fill()) this.buf = Buffer.alloc(0);
  }

  /**
   * Stops reading: the rest of the request body is read and dropped in the background, while the
   * answer goes out. Cancelling the stream instead would close the connection under a client still
   * sending, which then sees a reset rather than the answer. The body limit bounds what is read.
   */
  async cancel(): Promise<void> {
    this.buf = Buffer.alloc(0);
    const drain = async () => {
      while (!(await this.reader.read()).done);
    };
    // A stream that fails (the body limit's 413, a client gone) has nothing more to read.
    drain().catch(() => undefined);
  }
}
