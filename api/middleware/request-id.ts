/** SPEC §1: every response carries a 32-hex `request_id`; it is also sent as `X-Request-Id`. */
import type { MiddlewareHandler } from 'hono';
import { newSid } from '../../domain/ids';
import type { AppEnv } from '../context';

export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = newSid();
    c.set('requestId', id);
    await next();
    c.res.headers.set('X-Request-Id', id);
  };
}
