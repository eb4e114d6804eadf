/**
 * Hand-written hostile shapes for the fuzz suite (issue 11): NUL bytes, lone surrogates, deep
 * nesting, huge strings, wrong types, duplicate keys, bodies that are not what they claim, broken
 * multipart and CSV, hostile path segments and query values. Each is a fast-check arbitrary so
 * the seeded run reproduces every request exactly.
 */
import fc from 'fast-check';
import { REFUSED_URLS } from '../refused-urls';

/** Strings that have broken servers: control bytes, unpaired surrogates, odd Unicode, SQL-ish text. */
export function hostileString(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '\u0000',
      'a\u0000b',
      '\ud800',
      'x\udfff',
      '\udc00\ud800',
      '\uFEFF',
      '\uFFFF',
      '\u202E\u0041',
      "'; drop table campaigns; --",
      '%00',
      '%s%n%x',
      '../../etc/passwd',
      '${jndi:ldap://x}',
      '\r\nX-Injected: 1',
      '   ',
      '',
      '@@first_name@@',
      '=cmd|"/c calc"!A1',
      'ｆｕｌｌｗｉｄｔｈ',
      '🙂'.repeat(300),
    ),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.integer({ min: 1000, max: 40_000 }).map((n) => 'x'.repeat(n)),
    fc.string({ maxLength: 10 }).map((s) => `${s}\u0000${s}`),
  );
}

/** Field names that are themselves hostile. */
export function hostileKey(): fc.Arbitrary<string> {
  return fc.constantFrom('\u0000', 'na\u0000me', '\ud800', '__proto__', 'constructor', 'prototype', '', ' name ');
}

/** A JSON value nested `depth` levels deep (arrays or objects). */
export function nested(depth: number, useObjects: boolean, inner: unknown = 1): unknown {
  let v = inner;
  for (let i = 0; i < depth; i++) v = useObjects ? { a: v } : [v];
  return v;
}

/** A value of the wrong kind for wherever it lands. */
export function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    hostileString(),
    fc.constantFrom(null, true, false, 0, -1, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, [], {}, [null], { '': '' }),
    fc.integer({ min: 10, max: 90 }).chain((d) => fc.boolean().map((o) => nested(d, o))),
    fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 5 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(...REFUSED_URLS),
  );
}

/** JSON text with a key written twice, the second time hostile. */
export function withDuplicateKey(json: string, key: string, value: unknown): string {
  if (!json.startsWith('{')) return json;
  return `{${JSON.stringify(key)}:${JSON.stringify(value)},${json.slice(1)}`;
}

export interface RawBody {
  body: Buffer | string;
  contentType?: string;
  label: string;
}

/** Bodies sent to JSON endpoints that are not (good) JSON at all. */
export function hostileRawBody(): fc.Arbitrary<RawBody> {
  const deep = fc.tuple(fc.integer({ min: 65, max: 20_000 }), fc.boolean()).map(([d, o]): RawBody => ({
    body: o ? `${'{"a":'.repeat(d)}1${'}'.repeat(d)}` : `${'['.repeat(d)}${']'.repeat(d)}`,
    label: `deep ${d}`,
  }));
  return fc.oneof(
    deep,
    fc.constantFrom<RawBody>(
      { body: '', label: 'empty' },
      { body: '   \n', label: 'whitespace' },
      { body: 'null', label: 'null' },
      { body: '[]', label: 'array' },
      { body: '"just a string"', label: 'string' },
      { body: '12345', label: 'number' },
      { body: '{"name": "unterminated', label: 'unterminated' },
      { body: '{"a":1}{"b":2}', label: 'two objects' },
      {
        body: '{"from":["+919876543210"],"caller_id":"080","url":"https://x.example/f","x":1e999}',
        label: 'huge exponent',
      },
      { body: '<campaign><name>x</name></campaign>', contentType: 'application/xml', label: 'xml' },
      { body: 'name=%00&from=1', contentType: 'application/x-www-form-urlencoded', label: 'form' },
      {
        body: `${encodeURIComponent('{"name":"a\u0000"}')}=`,
        contentType: 'application/x-www-form-urlencoded',
        label: 'form json nul',
      },
      { body: '%E0%A4%A', contentType: 'application/x-www-form-urlencoded', label: 'bad percent' },
      { body: '\uFEFF{"name":"bom list"}', contentType: 'application/json', label: 'bom' },
      {
        body: Buffer.from('{"name":"utf16"}', 'utf16le'),
        contentType: 'application/json; charset=utf-16',
        label: 'utf16',
      },
      {
        body: Buffer.from([0xff, 0xfe, 0x00, 0xc0, 0x80, 0xed, 0xa0, 0x80]),
        contentType: 'application/json',
        label: 'bad utf8',
      },
      {
        body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
        contentType: 'multipart/form-data; boundary=x',
        label: 'multipart to json',
      },
    ),
    fc
      .uint8Array({ maxLength: 200 })
      .map((b): RawBody => ({ body: Buffer.from(b), contentType: 'application/octet-stream', label: 'binary' })),
    fc
      .integer({ min: 1, max: 7 })
      .map((mb): RawBody => ({ body: `{"name":"${'y'.repeat(mb * 1024 * 1024)}"}`, label: `${mb} MB string` })),
    fc.constant<RawBody>({ body: `{"name":"${'z'.repeat(9 * 1024 * 1024)}"}`, label: '9 MB body' }),
    fc.integer({ min: 1000, max: 5_000 }).map((n): RawBody => ({
      body: JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
      label: `${n} keys`,
    })),
  );
}

/** Path segments where an id belongs. */
export function hostileSegment(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '%00',
      'abc%00',
      '%ff',
      '%ED%A0%80',
      '%C0%80',
      '%E2%80%AE',
      '..',
      '%2e%2e',
      '%2F',
      '%252F',
      'null',
      'undefined',
      '0',
      '-1',
      '0123456789abcdef0123456789abcdef',
      '0123456789ABCDEF0123456789ABCDEF',
      '%20',
      '%',
      '%%',
      encodeURIComponent('é🙂'),
    ),
    fc.integer({ min: 100, max: 7000 }).map((n) => 'a'.repeat(n)),
    fc.string({ unit: 'binary', maxLength: 20 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
  );
}

/** Query values: the schema's kinds of value, and hostile ones, percent-encoded as a client would. */
export function hostileQueryValue(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '%00',
      'a%00b',
      '%ff',
      '%ED%A0%80',
      '-1',
      '1e9',
      '9007199254740993',
      'NaN',
      '',
      '%',
      '+',
      '%2B919876543210',
    ),
    fc.integer({ min: 100, max: 6000 }).map((n) => 'q'.repeat(n)),
    hostileString().map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\u0000').slice(0, 2000))),
  );
}

/** CSV file contents that break parsers. */
export function hostileCsv(): fc.Arbitrary<Buffer> {
  const text = (s: string) => Buffer.from(s, 'utf8');
  return fc.oneof(
    fc.constantFrom(
      text('number,first_name\n+919876543210,"unterminated\n'),
      text('number\n+919876543210\u0000\n+919876543211\n'),
      text('num\u0000ber\n1\n'),
      text(''),
      text('\uFEFF'),
      text('first_name\nasha\n'),
      text('number,plan,plan\n1,2,3\n'),
      text(`number,${Array.from({ length: 40 }, (_, i) => `c${i}`).join(',')}\n1\n`),
      text(`number\n${'9'.repeat(200_000)}\n`),
      text('number,first_name\r\n+919876543210,"a""b"\r\n+919876543211,x\ry\n'),
      Buffer.from('number\n+919876543210\n', 'utf16le'),
      Buffer.from([0xef, 0xbb, 0xbf, 0x6e, 0x75, 0x6d, 0xff, 0xfe, 0x0a]),
      text('number,first_name\n=HYPERLINK("http://x"),@SUM(1)\n+919876543210,-2+3\n'),
    ),
    fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
    fc
      .array(fc.string({ maxLength: 20 }), { maxLength: 30 })
      .map((cells) => text(`number,first_name\n${cells.join('\n')}\n`)),
  );
}

/** Multipart bodies broken at the framing level, with the Content-Type they are sent with. */
export function brokenMultipart(): fc.Arbitrary<RawBody> {
  const b = 'fuzzBoundary42';
  const ct = `multipart/form-data; boundary=${b}`;
  const part = (name: string, value: string, filename?: string) =>
    `--${b}\r\nContent-Disposition: form-data; name="${name}"` +
    `${filename !== undefined ? `; filename="${filename}"` : ''}\r\n\r\n${value}\r\n`;
  return fc.constantFrom<RawBody>(
    {
      body: `${part('list_name', 'L')}${part('file_name', 'number\n1\n', 'a.csv')}`,
      contentType: ct,
      label: 'no closing boundary',
    },
    { body: part('list_name', 'L'), contentType: 'multipart/form-data', label: 'no boundary parameter' },
    {
      body: `${part('list_name', 'L')}--${b}--\r\n`,
      contentType: 'multipart/form-data; boundary=other',
      label: 'boundary mismatch',
    },
    { body: `--${b}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${b}--\r\n`, contentType: ct, label: 'no disposition' },
    { body: `--${b}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${b}--\r\n`, contentType: ct, label: 'no name' },
    {
      body: `--${b}\r\nX-Long: ${'h'.repeat(20_000)}\r\n\r\nx\r\n--${b}--\r\n`,
      contentType: ct,
      label: 'long part header',
    },
    { body: `--${b}\r\nContent-Disposition: form-data; name="list_name"`, contentType: ct, label: 'ends in headers' },
    { body: `garbage only`, contentType: ct, label: 'no opening boundary' },
    {
      body:
        `${part('list_name', 'L')}${part('file_name', 'number\n1\n', 'a.csv')}` +
        `${part('file_name', 'number\n2\n', 'b.csv')}--${b}--\r\n`,
      contentType: ct,
      label: 'two files',
    },
    { body: `${part('list_name', 'L')}--${b}--\r\n`, contentType: ct, label: 'no file' },
    { body: `${part('list_name', 'x'.repeat(70_000))}--${b}--\r\n`, contentType: ct, label: 'huge field' },
    {
      body: `${part('list_name', 'L')}${part('file_name', 'number\n1\n', 'a.csv')}--${b}--\r\n`,
      contentType: 'text/csv',
      label: 'not multipart',
    },
    {
      body: `--${'q'.repeat(80)}\r\n`,
      contentType: `multipart/form-data; boundary=${'q'.repeat(80)}`,
      label: 'boundary too long',
    },
  );
}
