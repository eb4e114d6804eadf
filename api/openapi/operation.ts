/**
 * What one documented operation looks like (SPEC §2, ext `/openapi.json`): method, path, the zod schemas its route
 * validates with, its answer and its catalogue errors. `paths-*.ts` describe the routes, `document.ts` makes OpenAPI
 * 3.1, test/unit/openapi.test.ts keeps them equal to the routes served.
 */
import type { z } from 'zod';
import type { ErrorKey } from '../errors';

/** How a request is authorised: Basic auth (SPEC §1), a signed or per-attempt token, or nothing. */
export type OperationAuth = 'basic' | 'token' | 'none';

/** The envelope shapes of SPEC §1, and the non-JSON answers. */
export type OperationResponse =
  /** `response: [{code, status: "success", data}]`. */
  | { kind: 'item'; name: string; schema: z.ZodType }
  /** A list: one success item per record plus `metadata: {count, offset, limit, total}`. */
  | { kind: 'list'; name: string; schema: z.ZodType }
  /** call-details: the bare records in `response`, plus list metadata. */
  | { kind: 'bare-list'; name: string; schema: z.ZodType }
  /** A create/update body (flat or bulk [C-1]): success or failure items; 207 when a bulk one is mixed. */
  | { kind: 'items'; name: string; schema: z.ZodType; counted?: boolean }
  | { kind: 'csv'; description: string }
  | { kind: 'text'; contentType: string; description: string };

/** A described string field of a form body or a request header. */
export interface FieldDoc {
  description: string;
  required?: true;
}

export interface OperationDoc {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI path template: `/v2/accounts/{sid}/campaigns/{id}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  auth: OperationAuth;
  /** The route's own query schema (input side). */
  query?: z.ZodType;
  /** The route's own JSON body schema (input side). */
  body?: z.ZodType;
  /** A multipart body: its parts, each a described string (or the file). */
  multipart?: Record<string, { description: string; file?: true; required?: true }>;
  /** An `application/x-www-form-urlencoded` body (Twilio's callbacks): the fields the route reads. */
  form?: Record<string, FieldDoc>;
  /** Request headers the route reads besides Basic auth (e.g. `X-Twilio-Signature`). */
  headers?: Record<string, FieldDoc>;
  response: OperationResponse;
  /** Errors beyond those every operation of its kind can answer (auth, rate limit, 500). */
  errors?: ErrorKey[];
}

/** A JSON body: malformed JSON, a non-JSON body, an oversized body, a field that fails its rule. */
export const BODY_ERRORS: ErrorKey[] = [
  'INVALID_PARAMETER',
  'MALFORMED_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
];
