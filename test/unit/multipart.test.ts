import { describe, expect, it } from 'vitest';
import { MultipartReader, multipartBoundary } from '../../api/multipart';

const BOUNDARY = 'XyZ--boundary42';

function body(
  parts: Array<{ headers: string; content: string }>,
  opts: { preamble?: string; epilogue?: string } = {},
): Buffer {
  const text =
    (opts.preamble ?? '') +
    parts.map((p) => `--${BOUNDARY}\r\n${p.headers}\r\n\r\n${p.content}\r\n`).join('') +
    `--${BOUNDARY}--\r\n` +
    (opts.epilogue ?? '');
  return Buffer.from(text);
}

/** The body as a stream delivering `size` bytes at a time, as a socket may. */
function stream(bytes: Buffer, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(at, at + size)));
      at += size;
    },
  });
}

async function readAll(bytes: Buffer, size: number) {
  const reader = new MultipartReader(stream(bytes, size), BOUNDARY);
  const out: Array<{ name: string; filename: string | null; contentType: string | null; content: string }> = [];
  for (let part = await reader.nextPart(); part !== null; part = await reader.nextPart()) {
    const pieces: Buffer[] = [];
    for (let piece = await reader.readChunk(); piece !== null; piece = await reader.readChunk()) pieces.push(piece);
    out.push({ ...part, content: Buffer.concat(pieces).toString('utf8') });
  }
  return out;
}

describe('§5 multipart/form-data reader (CSV upload)', () => {
  const csv = 'number,first_name\r\n+919876543210,"Asha\r\n--not a boundary"\r\n' + '+919876543211,x\r\n'.repeat(50);
  const bytes = body(
    [
      { headers: 'Content-Disposition: form-data; name="list_name"', content: 'Reminders' },
      {
        headers: 'Content-Disposition: form-data; name="file_name"; filename="c.csv"\r\nContent-Type: text/csv',
        content: csv,
      },
      { headers: 'Content-Disposition: form-data; name="type"', content: 'dynamic' },
    ],
    { preamble: 'ignored preamble\r\n', epilogue: 'ignored epilogue' },
  );

  it.each([1, 2, 3, 7, 16, 17, 64, 1000, bytes.length])(
    'reads every part whole when the body arrives %i bytes at a time',
    async (size) => {
      expect(await readAll(bytes, size)).toEqual([
        { name: 'list_name', filename: null, contentType: null, content: 'Reminders' },
        { name: 'file_name', filename: 'c.csv', contentType: 'text/csv', content: csv },
        { name: 'type', filename: null, contentType: null, content: 'dynamic' },
      ]);
    },
  );

  it('skips a part nobody reads, and reads an empty part as empty', async () => {
    const b = body([
      { headers: 'Content-Disposition: form-data; name="extra"', content: 'x'.repeat(5000) },
      { headers: 'Content-Disposition: form-data; name="empty"', content: '' },
    ]);
    const reader = new MultipartReader(stream(b, 100), BOUNDARY);
    expect((await reader.nextPart())?.name).toBe('extra');
    expect((await reader.nextPart())?.name).toBe('empty');
    expect(await reader.readChunk()).toBeNull();
    expect(await reader.nextPart()).toBeNull();
  });

  it('decodes a quoted filename with escapes and an RFC 5987 filename*', async () => {
    const b = body([
      { headers: 'Content-Disposition: form-data; name="a"; filename="my \\"list\\".csv"', content: '1' },
      { headers: "Content-Disposition: form-data; name=b; filename*=UTF-8''r%C3%A9sum%C3%A9.csv", content: '2' },
    ]);
    const parts = await readAll(b, 9);
    expect(parts.map((p) => [p.name, p.filename])).toEqual([
      ['a', 'my "list".csv'],
      ['b', 'résumé.csv'],
    ]);
  });

  it('refuses a body that ends inside a part, or that has no opening boundary (400)', async () => {
    const cut = body([
      { headers: 'Content-Disposition: form-data; name="file_name"; filename="c.csv"', content: csv },
    ]).subarray(0, 120);
    await expect(readAll(cut, 10)).rejects.toMatchObject({
      key: 'INVALID_PARAMETER',
      description: 'body: malformed multipart/form-data (the body ends inside a part)',
    });
    await expect(readAll(Buffer.from('number\r\n1\r\n'), 4)).rejects.toMatchObject({
      description: 'body: malformed multipart/form-data (no opening boundary)',
    });
    const noName = body([{ headers: 'Content-Disposition: form-data', content: 'x' }]);
    await expect(readAll(noName, 8)).rejects.toMatchObject({
      description: 'body: malformed multipart/form-data (a part has no name)',
    });
  });

  it('finds the boundary of a multipart Content-Type, quoted or not', () => {
    expect(multipartBoundary('multipart/form-data; boundary=----abc123')).toBe('----abc123');
    expect(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"')).toBe('a b:c');
    expect(multipartBoundary('multipart/form-data')).toBeNull();
    expect(multipartBoundary('application/json')).toBeNull();
    expect(multipartBoundary(undefined)).toBeNull();
  });
});
