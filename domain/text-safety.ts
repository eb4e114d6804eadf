/**
 * SPEC §1 "Bad input never yields a 5xx": text that PostgreSQL cannot store (a NUL byte) or that is
 * not Unicode (a lone UTF-16 surrogate) is refused before it reaches the database, and JSON nested
 * deeper than `MAX_JSON_DEPTH` is refused before anything recurses over it. Pure: the API's reading
 * layer (path, query, JSON body, multipart) and the CSV row rules call these.
 */
import { formatPath } from './schemas/issues';

/** SPEC §1: JSON nested deeper than this is refused with a 400. */
export const MAX_JSON_DEPTH = 64;

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

/** What is wrong with `text` ("a NUL byte (U+0000)", "a lone surrogate (U+D800)"), or null when it is safe. */
export function textProblem(text: string): string | null {
  const m = UNSAFE.exec(text);
  if (!m) return null;
  const unit = m[0].charCodeAt(0);
  if (unit === 0) return 'a NUL byte (U+0000)';
  return `a lone surrogate (U+${unit.toString(16).toUpperCase()})`;
}

/** `text` with every NUL and lone surrogate replaced by U+FFFD, so it can be stored and echoed. */
export function withoutUnsafeText(text: string): string {
  return text.replace(UNSAFE_ALL, '\uFFFD');
}

/** The first unsafe string of a parsed JSON value: where it is (a client-style path) and what is wrong. */
export interface UnsafeString {
  /** `campaigns[2].name`; '' for the whole body. */
  path: string;
  /** True when a field name (not a value) is unsafe. */
  inKey: boolean;
  problem: string;
}

/**
 * Finds the first string (value or field name) of a parsed JSON value that holds a NUL or a lone
 * surrogate. Iterative, so a deep value cannot overflow the stack.
 */
export function findUnsafeString(value: unknown): UnsafeString | null {
  // Each entry points at its parent, so a path is built only for the string that is reported.
  interface Entry {
    value: unknown;
    key: PropertyKey | null;
    parent: Entry | null;
  }
  const pathOf = (e: Entry | null): PropertyKey[] => {
    const path: PropertyKey[] = [];
    for (let at = e; at !== null && at.key !== null; at = at.parent) path.push(at.key);
    return path.reverse();
  };
  const stack: Entry[] = [{ value, key: null, parent: null }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const v = entry.value;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return { path: formatPath(pathOf(entry)), inKey: false, problem };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: entry });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (const [key] of entries) {
        const problem = textProblem(key);
        if (problem) return { path: formatPath(pathOf(entry)), inKey: true, problem };
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        stack.push({ value: entries[i]![1], key: entries[i]![0], parent: entry });
      }
    }
  }
  return null;
}

/** The sentence for an unsafe string found in a body: it names the field. */
export function describeUnsafeString(found: UnsafeString, what = 'body'): string {
  if (found.inKey) {
    const where = found.path === '' ? what : found.path;
    return `${where}: a field name contains ${found.problem}; text may not contain NUL bytes or lone surrogates`;
  }
  const field = found.path === '' ? what : found.path;
  return `${field} contains ${found.problem}; text may not contain NUL bytes or lone surrogates`;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * True when JSON text nests objects and arrays more than `limit` deep. One linear pass that skips
 * string contents; it does not validate the text (JSON.parse does that afterwards).
 */
export function jsonNestsDeeperThan(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) inString = false;
    } else if (ch === QUOTE) {
      inString = true;
    } else if (ch === OPEN_BRACE || ch === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (ch === CLOSE_BRACE || ch === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
