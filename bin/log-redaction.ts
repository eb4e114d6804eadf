/**
 * Redaction for the root logger (SPEC §6.3 "URL userinfo is never logged"; no secrets in logs): the
 * pino hooks that apply `domain/log-redaction.ts` to every line. Secret fields of a log call's
 * objects are replaced before pino serialises them; then the finished JSON line (fields, message,
 * child bindings, error stacks, forwarded Temporal entries alike) has URL userinfo and secret query
 * parameters redacted just before it is written. Kept apart from `bin/logger.ts` so the logger's
 * output can change without touching what is redacted.
 */
import type { LoggerOptions } from 'pino';
import { redactSecretFields, redactText } from '../domain/log-redaction';

export const redactingHooks: NonNullable<LoggerOptions['hooks']> = {
  logMethod(args, method) {
    return method.apply(this, args.map((a) => redactSecretFields(a)) as Parameters<typeof method>);
  },
  streamWrite: redactText,
};
