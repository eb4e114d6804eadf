/**
 * SPEC §1 the envelope every JSON response is wrapped in, as zod schemas, so the OpenAPI document
 * describes exactly what `api/envelope.ts` builds.
 */
import { z } from 'zod';

const hex32 = z.string().regex(/^[0-9a-f]{32}$/);

export const errorDataSchema = z.object({
  code: z.int().describe('stable Outcall error code (README "Error codes")'),
  message: z.string(),
  description: z.string().describe('the precise cause, naming the field and the value'),
});

export const failureItemSchema = z.object({
  code: z.int(),
  status: z.literal('failure'),
  error_data: errorDataSchema,
});

export const listMetadataSchema = z.object({ count: z.int(), offset: z.int(), limit: z.int(), total: z.int() });
export const bulkMetadataSchema = z.object({ total: z.int(), success: z.int(), failed: z.int() });

const head = { request_id: hex32, method: z.string(), http_code: z.int() };

export const successItem = (data: z.ZodType) => z.object({ code: z.int(), status: z.literal('success'), data });

export const itemEnvelope = (data: z.ZodType) => z.object({ ...head, response: z.array(successItem(data)).length(1) });

export const listEnvelope = (data: z.ZodType) =>
  z.object({ ...head, metadata: listMetadataSchema, response: z.array(successItem(data)) });

export const bareListEnvelope = (record: z.ZodType) =>
  z.object({ ...head, metadata: listMetadataSchema, response: z.array(record) });

export const itemsEnvelope = (data: z.ZodType, counted: boolean) =>
  z.object({
    ...head,
    ...(counted && { metadata: bulkMetadataSchema }),
    response: z.array(z.union([successItem(data), failureItemSchema])).min(1),
  });

export const errorEnvelope = z.object({ ...head, response: z.array(failureItemSchema).length(1) });
