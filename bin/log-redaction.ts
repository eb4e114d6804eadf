/**
 * Redaction for the root logger (SPEC §6.3; no secrets in logs): pino hooks applying `domain/log-redaction.ts` to
 * secret fields before serialising, then to URL userinfo and secret query parameters in the finished line. Kept apart
 * from `bin/logger.ts` so output can change without touching what is redacted.
 */
import type { LoggerOptions } from 'pino';
import { redactSecretFields, redactText } from '../domain/log-redaction';

export const redactingHooks: NonNullable<LoggerOptions['hooks']> = {
  logMethod(args, method) {
    return method.apply(this, args.map((a) => redactSecretFields(a)) as Parameters<typeof method>);
  },
  streamWrite: redactText,
};
