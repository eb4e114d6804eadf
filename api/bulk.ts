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

/** SPEC §2: a bulk body of more than 5,000 elements is refused as a whole. */
export function checkBulkSize(body: BodyItems, key: string): BodyItems {
  if (body.items.length > MAX_BULK_ITEMS) {
    throw new ApiError(
      'INVALID_PARAMETER',
      `${key} has ${body.items.length} elements; at most ${MAX_BULK_ITEMS} are allowed per request`,
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

/** Runs each element on its own: a thrown `ApiError` becomes that element's failure item [C-1]. */
export async function eachItem<T>(
  c: Context<AppEnv>,
  items: T[],
  run: (item: T, index: number) => Promise<ResponseItem>,
): Promise<ResponseItem[]> {
  const out: ResponseItem[] = [];
  for (const [i, item] of items.entries()) {
    try {
      out.push(await run(item, i));
    } catch (err) {
      const { error, internal } = toApiError(err, c.get('requestId'));
      if (internal) c.get('log').error({ err }, 'Bulk item failed');
      out.push(failureItem(error));
    }
  }
  return out;
}
