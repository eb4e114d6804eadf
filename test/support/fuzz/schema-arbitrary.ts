/**
 * Request values generated from the zod request schemas (fuzz suite): schema → JSON Schema (input side) → fast-check
 * arbitrary, with field-name hints that bias values to pass (so deeper rules are reached), a hostile value that may
 * stand in at any node, and unknown or hostile extra keys.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { hostileKey, hostileString, hostileValue } from './hostile';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

/** Arbitraries for fields by name, used instead of (most of the time) the schema's own. */
export type Hints = Record<string, fc.Arbitrary<unknown>>;

/** The input-side JSON Schema of a zod schema (transforms and refinements left out). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

const clamp = (n: number | undefined, lo: number, hi: number, fallback: number) =>
  n === undefined ? fallback : Math.min(hi, Math.max(lo, n));

function baseArbitrary(s: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) {
    const values = s.enum;
    // Enum values in other casings too: the API accepts any casing for most of them.
    return fc.oneof(
      fc.constantFrom(...values),
      fc.constantFrom(...values).map((v) => (typeof v === 'string' ? v.toUpperCase() : v)),
    );
  }
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => arbitraryOf(a, hints, depth)));
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((t) => baseArbitrary({ ...s, type: t }, hints, depth)));
  switch (types[0]) {
    case 'object':
      return objectArbitrary(s, hints, depth);
    case 'array':
      return fc.array(s.items ? arbitraryOf(s.items, hints, depth + 1) : fc.jsonValue({ maxDepth: 2 }), {
        minLength: clamp(s.minItems, 0, 4, 0),
        maxLength: clamp(s.maxItems, 0, 4, 4),
      });
    case 'string':
      return fc.string({ minLength: clamp(s.minLength, 0, 40, 0), maxLength: clamp(s.maxLength, 1, 300, 40) });
    case 'integer':
      return fc.oneof(
        fc.integer({ min: clamp(s.minimum, -1e6, 1e6, -1000), max: clamp(s.maximum, -1e6, 1e6, 1000) }),
        fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, -(2 ** 53)),
      );
    case 'number':
      return fc.double();
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArbitrary(s: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  const req: Record<string, fc.Arbitrary<unknown>> = {};
  const opt: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(props)) {
    const arb = hints[key]
      ? fc.oneof({ weight: 5, arbitrary: hints[key] }, arbitraryOf(sub, hints, depth + 1))
      : arbitraryOf(sub, hints, depth + 1);
    (required.has(key) ? req : opt)[key] = arb;
  }
  const extras = fc.oneof(
    { weight: 8, arbitrary: fc.constant({}) },
    fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), hostileKey()), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  );
  return fc
    .tuple(
      fc.record(req),
      fc.record(opt, { requiredKeys: [] }),
      extras,
      Object.keys(req).length > 0 ? fc.option(fc.constantFrom(...Object.keys(req)), { freq: 10 }) : fc.constant(null),
    )
    .map(([r, o, e, drop]) => {
      const out: Record<string, unknown> = { ...e, ...r, ...o };
      // Now and then a required field is missing.
      if (drop) delete out[drop];
      return out;
    });
}

/** The arbitrary for one schema node: the schema's own values, now and then a hostile one. */
export function arbitraryOf(s: JsonSchema, hints: Hints, depth = 0): fc.Arbitrary<unknown> {
  const base = baseArbitrary(s, hints, depth);
  if (depth > 4) return base;
  return fc.oneof(
    { weight: 24, arbitrary: base },
    { weight: 1, arbitrary: hostileValue() },
    { weight: 1, arbitrary: hostileString() },
  );
}
