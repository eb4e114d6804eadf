import { ApplicationFailure } from '@temporalio/common';

/** Thrown when an attempt row is gone where it must exist (never retried: nothing will bring it back). */
export function attemptNotFound(callSid: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`attempt ${callSid} does not exist`, 'AttemptNotFound');
}
