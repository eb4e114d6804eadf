/**
 * SPEC §2/§7 (ext) the account's do-not-call list (`api/routes/dnc.ts`), described with the schemas of
 * `domain/schemas/dnc.ts` that the route validates with.
 */
import { z } from 'zod';
import {
  dncCreateItemSchema,
  dncQuerySchema,
  dncResourceSchema,
  dncUploadResultSchema,
} from '../../domain/schemas/dnc';
import { MAX_BULK_ITEMS } from '../../domain/schemas/list';
import { BODY_ERRORS, type OperationDoc } from './operation';

const dnc = '/v2/accounts/{sid}/dnc';

export const dncOperations: OperationDoc[] = [
  {
    method: 'post',
    path: dnc,
    operationId: 'addDncNumbers',
    tag: 'Do not call',
    summary: 'Add numbers to the do-not-call list (flat `{"number"}` or `{"numbers": [...]}`, ≤5,000)',
    description:
      "Each number is normalised to E.164 with the account's default region; adding one already on " +
      'the list succeeds and changes nothing. A bad number is a failure item of its own.',
    auth: 'basic',
    body: z.union([
      dncCreateItemSchema,
      z.object({ numbers: z.array(dncCreateItemSchema).min(1).max(MAX_BULK_ITEMS) }),
    ]),
    response: { kind: 'items', name: 'DncNumbersAdded', schema: dncResourceSchema, counted: true },
    errors: [...BODY_ERRORS, 'INVALID_PHONE_NUMBER'],
  },
  {
    method: 'get',
    path: dnc,
    operationId: 'listDncNumbers',
    tag: 'Do not call',
    summary: 'The do-not-call list, oldest entries first',
    auth: 'basic',
    query: dncQuerySchema,
    response: { kind: 'list', name: 'DncNumberList', schema: dncResourceSchema },
    errors: ['INVALID_PARAMETER'],
  },
  {
    method: 'post',
    path: `${dnc}/csv-upload`,
    operationId: 'uploadDncCsv',
    tag: 'Do not call',
    summary: 'Add the numbers of a CSV file (the contact CSV rules); answered once the whole file is in',
    auth: 'basic',
    multipart: {
      file_name: {
        description: 'the CSV file (UTF-8, header row with a number column, ≤60 MB); other columns are ignored',
        file: true,
        required: true,
      },
    },
    response: { kind: 'item', name: 'DncUpload', schema: dncUploadResultSchema },
    errors: ['INVALID_PARAMETER', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'],
  },
  {
    method: 'get',
    path: `${dnc}/{number}`,
    operationId: 'getDncNumber',
    tag: 'Do not call',
    summary: 'One entry of the do-not-call list (the number in any spelling)',
    auth: 'basic',
    response: { kind: 'item', name: 'DncNumber', schema: dncResourceSchema },
    errors: ['INVALID_PHONE_NUMBER', 'NOT_FOUND'],
  },
  {
    method: 'delete',
    path: `${dnc}/{number}`,
    operationId: 'removeDncNumber',
    tag: 'Do not call',
    summary: 'Take a number off the do-not-call list; answers the entry removed',
    auth: 'basic',
    response: { kind: 'item', name: 'DncNumber', schema: dncResourceSchema },
    errors: ['INVALID_PHONE_NUMBER', 'NOT_FOUND'],
  },
];
