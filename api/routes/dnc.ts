/**
 * SPEC §2/§7 (ext) the account's do-not-call list at `/v2/accounts/:sid/dnc`: add (flat or bulk, ≤5,000; adding a
 * listed number changes nothing), list, read, remove (any spelling), and `POST /dnc/csv-upload`. Numbers are E.164 by
 * the default region; campaigns check the list when their numbers are created or snapshotted.
 */
import { Hono } from 'hono';
import type { AccountRow } from '../../db/queries/accounts';
import { addDncNumbers, deleteDncNumber, findDncNumbers, listDncNumbers, toDncResource } from '../../db/queries/dnc';
import { toE164 } from '../../domain/phone';
import { dncBodySchema, dncCreateItemSchema, dncQuerySchema, type DncUploadResult } from '../../domain/schemas/dnc';
import { firstIssue, previewValue } from '../../domain/schemas/issues';
import type { AppEnv } from '../context';
import type { AppDeps } from '../deps';
import { checkBulkSize, eachItem } from '../bulk';
import { importDncFile } from '../dnc-upload';
import { failureItem, ok, okItemsCounted, okList, successItem } from '../envelope';
import { ApiError, parseOrThrow } from '../errors';
import { readJsonBody } from '../middleware/json-body';
import { MultipartReader, multipartBoundary } from '../multipart';

function e164(raw: string, account: AccountRow, field: string): string {
  const r = toE164(raw, account.defaultRegion);
  if (!r.ok)
    throw new ApiError(
      'INVALID_PHONE_NUMBER',
      `${field}: ${previewValue(raw)} is not a valid phone number (${r.reason})`,
    );
  return r.e164;
}

const notListed = (account: AccountRow, number: string) =>
  new ApiError('NOT_FOUND', `number: ${number} is not on the do-not-call list of account "${account.sid}"`);

export function createDncRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/', async (c) => {
    const account = c.get('account');
    const body = checkBulkSize(parseOrThrow(dncBodySchema, await readJsonBody(c)), 'numbers');
    const parsed = body.items.map((raw) => {
      const item = dncCreateItemSchema.safeParse(raw, { reportInput: true });
      if (!item.success) return new ApiError('INVALID_PARAMETER', firstIssue(item.error).description);
      try {
        return e164(item.data.number, account, 'number');
      } catch (err) {
        return err as ApiError;
      }
    });
    const numbers = [...new Set(parsed.filter((p): p is string => typeof p === 'string'))];
    const rows = await deps.db.transaction(async (tx) => {
      await addDncNumbers(tx, account.sid, numbers, 'api');
      return findDncNumbers(tx, account.sid, numbers);
    });
    const results = await eachItem(c, parsed, async (p) =>
      typeof p === 'string' ? successItem(toDncResource(rows.get(p)!, account)) : failureItem(p),
    );
    return okItemsCounted(c, body.bulk, results);
  });

  app.get('/', async (c) => {
    const account = c.get('account');
    const q = parseOrThrow(dncQuerySchema, c.req.query());
    const { rows, total } = await listDncNumbers(deps.db, account.sid, q);
    return okList(
      c,
      rows.map((r) => toDncResource(r, account)),
      { offset: q.offset, limit: q.limit, total },
    );
  });

  app.post('/csv-upload', async (c) => {
    const account = c.get('account');
    const contentType = c.req.header('content-type');
    const boundary = multipartBoundary(contentType);
    if (boundary === null)
      throw new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        `the do-not-call upload must be multipart/form-data with a file_name part; got ${
          contentType ? JSON.stringify(contentType) : 'no Content-Type'
        }`,
      );
    const body = c.req.raw.body;
    if (!body) throw new ApiError('INVALID_PARAMETER', 'file_name is required: the request has no body');
    const reader = new MultipartReader(body, boundary);
    try {
      const result = await deps.db.transaction(async (tx) => {
        let imported: DncUploadResult | null = null;
        // Every part is read, so the request body is consumed to its end; other fields are ignored.
        for (let part = await reader.nextPart(); part !== null; part = await reader.nextPart()) {
          if (part.name !== 'file_name' && part.filename === null) continue;
          if (imported !== null)
            throw new ApiError('INVALID_PARAMETER', 'file_name: one file per upload; the body carries two');
          imported = await importDncFile(tx, reader, account);
        }
        if (imported === null)
          throw new ApiError('INVALID_PARAMETER', 'file_name is required: the CSV file part of the multipart body');
        return imported;
      });
      return ok(c, result);
    } catch (err) {
      await reader.cancel();
      throw err;
    }
  });

  app.get('/:number', async (c) => {
    const account = c.get('account');
    const number = e164(c.req.param('number'), account, 'number');
    const row = (await findDncNumbers(deps.db, account.sid, [number])).get(number);
    if (!row) throw notListed(account, number);
    return ok(c, toDncResource(row, account));
  });

  app.delete('/:number', async (c) => {
    const account = c.get('account');
    const number = e164(c.req.param('number'), account, 'number');
    const row = await deleteDncNumber(deps.db, account.sid, number);
    if (!row) throw notListed(account, number);
    return ok(c, toDncResource(row, account));
  });

  return app;
}
