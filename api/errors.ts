/**
 * SPEC §1 errors and STYLE G11: one closed catalogue of error keys, each with its stable `error_data.code` and HTTP
 * status; routes throw `ApiError(key, description)`, `api/envelope.ts` renders it. Codes never change meaning. Ranges:
 * 1xxx request (400, 413–431), 2xxx auth and limits, 3xxx not found, 4xxx conflicts, 5xxx server.
 */
import type { z } from 'zod';
import type { CampaignInputError, CampaignInputErrorKind, ListCheckError } from '../domain/campaign-input';
import { firstIssue } from '../domain/schemas/issues';
import { EngineUnavailableError } from './deps';

export const ERROR_CODES = {
  INVALID_PARAMETER: { code: 1000, http: 400, message: 'Invalid parameter' },
  MALFORMED_JSON: { code: 1001, http: 400, message: 'Malformed JSON' },
  INVALID_PHONE_NUMBER: { code: 1002, http: 400, message: 'Invalid phone number' },
  CALLER_ID_NOT_ALLOWED: { code: 1003, http: 400, message: 'Caller id not registered' },
  THROTTLE_OVER_CAPACITY: { code: 1004, http: 400, message: 'Throttle over capacity' },
  UNKNOWN_ACTION: { code: 1006, http: 400, message: 'Unknown action' },
  UNKNOWN_LIST: { code: 1007, http: 400, message: 'Unknown list' },
  PAYLOAD_TOO_LARGE: { code: 1013, http: 413, message: 'Payload too large' },
  URI_TOO_LONG: { code: 1014, http: 414, message: 'URI too long' },
  UNSUPPORTED_MEDIA_TYPE: { code: 1015, http: 415, message: 'Unsupported media type' },
  HEADERS_TOO_LARGE: { code: 1016, http: 431, message: 'Request header fields too large' },
  UNAUTHORIZED: { code: 2001, http: 401, message: 'Unauthorized' },
  FORBIDDEN: { code: 2003, http: 403, message: 'Forbidden' },
  RATE_LIMITED: { code: 2029, http: 429, message: 'Too many requests' },
  NOT_FOUND: { code: 3000, http: 404, message: 'Not found' },
  CAMPAIGN_NOT_FOUND: { code: 3001, http: 404, message: 'Campaign not found' },
  LIST_NOT_FOUND: { code: 3002, http: 404, message: 'List not found' },
  CONTACT_NOT_FOUND: { code: 3003, http: 404, message: 'Contact not found' },
  UPLOAD_NOT_FOUND: { code: 3004, http: 404, message: 'Upload not found' },
  WEBHOOK_DELIVERY_NOT_FOUND: { code: 3009, http: 404, message: 'Webhook delivery not found' },
  STATE_CONFLICT: { code: 4001, http: 409, message: 'State conflict' },
  FIELD_NOT_UPDATABLE: { code: 4002, http: 409, message: 'Field not updatable' },
  DUPLICATE_NAME: { code: 4003, http: 409, message: 'Duplicate name' },
  UPLOAD_IN_PROGRESS: { code: 4004, http: 409, message: 'Upload in progress' },
  IDEMPOTENCY_KEY_REUSED: { code: 4005, http: 409, message: 'Idempotency key reused' },
  INTERNAL: { code: 5000, http: 500, message: 'Internal error' },
  ENGINE_UNAVAILABLE: { code: 5003, http: 503, message: 'Service unavailable' },
  NOT_READY: { code: 5004, http: 503, message: 'Not ready' },
} as const satisfies Record<string, { code: number; http: number; message: string }>;

export type ErrorKey = keyof typeof ERROR_CODES;

/** An error the API answers with on purpose: a catalogue key and a description naming field and value. */
export class ApiError extends Error {
  readonly key: ErrorKey;
  readonly description: string;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(key: ErrorKey, description: string, opts: { headers?: Record<string, string> } = {}) {
    super(`${key}: ${description}`);
    this.name = 'ApiError';
    this.key = key;
    this.description = description;
    this.headers = opts.headers ?? {};
  }

  get http(): number {
    return ERROR_CODES[this.key].http;
  }
}

/**
 * Any thrown value as an `ApiError`: an `ApiError` as is, an unreachable workflow engine as 503, and
 * anything else as a 500 whose description carries only the request id (never a stack). The
 * caller logs `internal` errors.
 */
export function toApiError(err: unknown, requestId: string): { error: ApiError; internal: boolean } {
  if (err instanceof ApiError) return { error: err, internal: false };
  if (err instanceof EngineUnavailableError) {
    return {
      error: new ApiError(
        'ENGINE_UNAVAILABLE',
        'the workflow engine (Temporal) cannot be reached; nothing was created, retry later',
      ),
      internal: false,
    };
  }
  return {
    error: new ApiError('INTERNAL', `internal error; quote request id ${requestId} when reporting it`),
    internal: true,
  };
}

/** The catalogue as rows, for the README's error table. */
export function errorCodeTable(): Array<{ key: ErrorKey; code: number; http: number; message: string }> {
  return (Object.keys(ERROR_CODES) as ErrorKey[]).map((key) => ({ key, ...ERROR_CODES[key] }));
}

const INPUT_ERROR_KEYS: Record<CampaignInputErrorKind, ErrorKey> = {
  invalid_parameter: 'INVALID_PARAMETER',
  invalid_number: 'INVALID_PHONE_NUMBER',
  caller_id_not_allowed: 'CALLER_ID_NOT_ALLOWED',
  throttle_over_capacity: 'THROTTLE_OVER_CAPACITY',
};

/** A domain validation failure as the API error it answers with. */
export function inputError(err: CampaignInputError): ApiError {
  return new ApiError(INPUT_ERROR_KEYS[err.kind], err.description);
}

const LIST_ERROR_KEYS: Record<ListCheckError['kind'], ErrorKey> = {
  unknown_list: 'UNKNOWN_LIST',
  invalid_parameter: 'INVALID_PARAMETER',
  upload_in_progress: 'UPLOAD_IN_PROGRESS',
};

/** A `lists` rule that failed against the lists themselves (SPEC §3), as the API error it answers with. */
export function listInputError(err: ListCheckError): ApiError {
  return new ApiError(LIST_ERROR_KEYS[err.kind], err.description);
}

/**
 * The validation hook (STYLE G11): parses `input` with `schema` or throws `INVALID_PARAMETER` whose
 * description is the first issue, naming the field and the value.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new ApiError('INVALID_PARAMETER', firstIssue(parsed.error).description);
}
