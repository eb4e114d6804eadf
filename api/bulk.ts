/**
 * SPEC §1 "Request bodies" [C-1] for the bulk-capable list and contact endpoints: element limits,
 * single-element bodies on one-resource endpoints, and per-element outcomes.
 */
import type { Context } from 'hono';
import type { BodyItems } from '../domain/schemas/envelope';
import { MAX_BULK_ITEMS } from '../domain/schemas/list';
import type { AppEnv } from './context';
import { failureItem, type ResponseItem } from './envelope';
import { ApiError, toApiError } from './errors';

/** SPEC §1/§2: a bulk body of more than `max` elements (5,000; 100 campaigns) is refused as a whole. */
export function checkBulkSize(body: BodyItems, key: string, max = MAX_BULK_ITEMS): BodyItems {
  if (body.items.length > max) {
    throw new ApiError(
      'INVALID_PARAMETER',
      `${key} has ${body.items.length} elements; at most ${max} are allowed per request`,
    );
  }
  return body;
}

/** PUT and DELETE on one resource accept a bulk body of exactly one element (SPEC §1). */
export function singleItem(body: BodyItems, key: string): unknown {
  if (body.items.length !== 1)
    throw new ApiError(
      'INVALID_PARAMETER',
      `${key} must hold exactly one element on this endpoint; got ${body.items.length}`,
    );
  return body.items[0];
}

export interface EachItemOptions {
  /** Elements run at once (default 1: in order, one after another). */
  concurrency?: number;
}

/**
 * Runs each element on its own: a thrown `ApiError` becomes that element's failure item [C-1]. The
 * items come back in body order whatever `concurrency` is. SPEC §1 "a request whose client has gone
 * stops": once the request's signal aborts (the client closed the connection), no further element
 * starts; elements already running finish, and the unstarted ones are left out of the answer nobody
 * will read.
 */
export async function eachItem<T>(
  c: Context<AppEnv>,
  items: T[],
  run: (item: T, index: number) => Promise<ResponseItem>,
  opts: EachItemOptions = {},
): Promise<ResponseItem[]> {
  const signal = c.req.raw.signal;
  const out: Array<ResponseItem | undefined> = new Array<ResponseItem | undefined>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) {
      const i = next++;
      try {
        out[i] = await run(items[i]!, i);
      } catch (err) {
        const { error, internal } = toApiError(err, c.get('requestId'));
        if (internal) c.get('log').error({ err }, 'Bulk item failed');
        out[i] = failureItem(error);
      }
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? 1, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  const done = out.filter((item): item is ResponseItem => item !== undefined);
  if (done.length < items.length) {
    c.get('log').warn({ done: done.length, skipped: items.length - done.length }, 'Client gone; bulk request stopped');
  }
  return done;
}
