/**
 * SPEC §1 "Request bodies" [C-1]: a create/update body is either the flat object or Exotel's bulk form
 * `{"campaigns": [ {...}, ... ]}` (likewise `lists`, `contacts`). One schema per resource turns both
 * into the same list of items, so routes have a single code path (STYLE G9).
 */
import { z } from 'zod';

export interface BodyItems {
  /** True for the bulk form: one response item per element, HTTP 200 only when all succeed. */
  bulk: boolean;
  /** The raw elements, each validated on its own (all-or-nothing per element). */
  items: unknown[];
}

/**
 * The schema that accepts a flat object or `{ [key]: [...] }`. A body that has `key` must carry a
 * non-empty array there; anything else is one flat item.
 */
export function bulkBodySchema(key: string) {
  return z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).transform((body, ctx): BodyItems => {
    if (!(key in body)) return { bulk: false, items: [body] };
    const items = body[key];
    if (!Array.isArray(items) || items.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        input: items,
        message: `${key} must be a non-empty array of objects`,
        params: { kind: 'invalid_parameter' },
      });
      return z.NEVER;
    }
    return { bulk: true, items };
  });
}
