/**
 * SPEC §1: error descriptions name the offending field and value. One place turns a zod issue into
 * that sentence, for request bodies and query strings alike (STYLE G11 "one validation hook").
 */
import type { z } from 'zod';

/** Field path as a client writes it: `retries.number_of_retries`, `from[3]` (array positions 1-based). */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg + 1}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** A short JSON rendering of a rejected value, cut at 60 characters. */
export function previewValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export interface DescribedIssue {
  /** The field path (`retries.interval_mins`), or '' for the whole body. */
  field: string;
  description: string;
  /** A rule-specific kind carried in a custom issue's `params.kind`, when the rule set one. */
  kind?: string;
}

/**
 * The sentence for one zod issue. Field issues read `<field> <message>; got <value>` (parse with
 * `{ reportInput: true }` to get the value); cross-field rule issues (custom, with `params.kind`)
 * carry their whole sentence as message.
 */
export function describeIssue(issue: z.core.$ZodIssue): DescribedIssue {
  const field = formatPath(issue.path);
  // Cross-field rules mark themselves with `params.kind` and write the whole sentence.
  if (issue.code === 'custom' && typeof issue.params?.kind === 'string') {
    return { field, description: issue.message, kind: issue.params.kind };
  }
  const subject = field === '' ? 'body' : field;
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return { field, description: `${subject} is required` };
  }
  const got = 'input' in issue && issue.input !== undefined ? `; got ${previewValue(issue.input)}` : '';
  return { field, description: `${subject} ${issue.message}${got}` };
}

/** The first issue of a failed parse, described (zod reports issues in field order). */
export function firstIssue(error: z.ZodError): DescribedIssue {
  const issue = error.issues[0];
  return issue ? describeIssue(issue) : { field: '', description: 'request is invalid' };
}
