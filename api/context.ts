/** What the middleware chain puts on every request's context, typed once for all routers. */
import type { Logger } from 'pino';
import type { AccountRow } from '../db/queries/accounts';
import type { RateLimitHandle } from './middleware/rate-limit';

export interface AppVariables {
  /** 32 hex, echoed as the envelope's `request_id` and the `X-Request-Id` header. */
  requestId: string;
  /** The request's logger, carrying `request_id` (and `account_sid` once authenticated). */
  log: Logger;
  /** The account whose API key authenticated this request (set by Basic auth on `/v2`). */
  account: AccountRow;
  /** The account's rate limit for this request (set after Basic auth): bulk handlers charge their elements. */
  rateLimit: RateLimitHandle;
}

export type AppEnv = { Variables: AppVariables };
