import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';

/**
 * fast-check arbitraries derived from GraphQL input types, for fuzzing every mutation (test/security/fuzz.test.ts).
 *
 * Each position (an argument or an input-object field) gets the generic arbitrary for its type, mixed with plausible
 * values the caller supplies as hints (real ids of a fixture org, real slugs, valid dates), so a share of the calls gets
 * past validation into the service layer. Nullable positions are sometimes null or omitted; non-null ones rarely
 * (invalid on purpose); enums sometimes carry an unknown name; lists have 0..5 items.
 */

/** Marks a position left out of its object (distinct from an explicit null). */
export const OMIT: unique symbol = Symbol('omit');
type Value = unknown;

export interface FuzzHints {
  /**
   * Plausible values for a position, by "Owner.name" (owner: the input type, or the mutation for its arguments) or by
   * "name" alone. For a list position the values are items. For an input object position they are whole objects used
   * as bases that the generator then perturbs in a field or two.
   */
  values: Record<string, readonly unknown[]>;
}

const HUGE = 10_000;

/** Strings that have broken parsers, SQL, HTML, logs and encodings elsewhere. */
export const SPECIAL_STRINGS: readonly string[] = [
  '', ' ', '   ', '\t\r\n', 'a', 'A', '0', '-1', 'null', 'undefined', 'NaN', 'true', '[]', '{}',
  "' OR '1'='1", "'; DROP TABLE users; --", 'Robert"); DROP TABLE organizations;--', '\\', '\\\\x00', '%', '_', '%_%',
  '"><script>alert(1)</script>', '<img src=x onerror=alert(1)>', '${7*7}', '{{7*7}}', '#{7*7}', '%s%s%n', '$1',
  '../../../../etc/passwd', '..\\..\\windows\\win.ini', 'javascript:alert(1)', 'data:text/html,<b>x</b>',
  'https://example.com', 'http://127.0.0.1:1/', 'file:///etc/passwd',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  '\u0000', 'a\u0000b', '\u0007\u001b[31m', '\u202Eevil\u202C', '\uFEFFbom', '\u200B', '\uD800', '\uDFFF', '\uFFFF',
  'Ω≈ç√∫˜µ≤≥÷', '田中さん', 'مرحبا', '🔥💩🇺🇸', 'e\u0301', 'İ', 'ß', 'ǅ',
  'x'.repeat(255), 'x'.repeat(256), 'x'.repeat(1025),
];

const stringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(HUGE), 'é'.repeat(HUGE), '🔥'.repeat(HUGE / 2), '\u0000'.repeat(HUGE), `${'a'.repeat(HUGE - 9)}@example.com`) },
);

const INT_EDGES = [0, 1, -1, 2, 7, 12, 13, 30, 31, 60, 90, 365, 366, 730, 731, 1000, 2147483647, -2147483648] as const;
const intArb: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INT_EDGES) },
  { weight: 3, arbitrary: fc.integer({ min: -100, max: 1000 }) },
  { weight: 1, arbitrary: fc.integer() },
  // Not an Int: variable coercion must refuse these (BAD_USER_INPUT), never crash.
  { weight: 1, arbitrary: fc.constantFrom<Value>(2147483648, -2147483649, 1.5, '1', true, 1e20) },
);

const floatArb: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0, -1, 0.5, 1, 1023, 1024, 5_000_000, 52428800, 52428801, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 5e-324) },
  { weight: 3, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 10_000_000 }) },
  { weight: 1, arbitrary: fc.constantFrom<Value>('1', true, '1e3') },
);

const boolArb: fc.Arbitrary<Value> = fc.oneof({ weight: 12, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<Value>('true', 0, 1) });

const idArb: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Value>(
      '', ' ', 'not-a-uuid', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '12345678-1234-1234-1234-1234567890123',
      '{12345678-1234-1234-1234-123456789012}', "1' OR '1'='1", '\u0000', 'x'.repeat(HUGE), 0, -1, 2147483647,
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom<Value>(true, 1.5, {}, []) },
);

const isoDay = (d: Date): string => d.toISOString().slice(0, 10);
const validDateArb: fc.Arbitrary<string> = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }).map(isoDay);
const INVALID_DATES: readonly Value[] = [
  '2023-02-29', '2024-02-30', '2024-13-01', '2024-00-10', '2024-04-31', '0000-01-01', '9999-12-31', '10000-01-01', '-0001-01-01', '+002024-01-01',
  // Real dates outside the input range (1900-01-01..2999-12-31): the scalar refuses them (issue #11).
  '1000-01-01', '1899-12-31', '3000-01-01', '9999-06-30',
  '2024-1-1', '2024-01-01T00:00:00Z', '2024/01/01', '01-01-2024', ' 2024-01-01', '2024-01-01 ', '', 'yesterday', 'today', 20240101, true, null,
];
const dateArb: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: validDateArb },
  // The edges of the input range too: what the rules derive from them (expiry, letter limits) must stay representable.
  { weight: 2, arbitrary: fc.constantFrom('2024-02-29', '2025-01-01', '2025-12-31', '1970-01-01', '2000-02-29', '2099-12-31', '1900-01-01', '2999-12-31', '2999-10-31') },
  { weight: 2, arbitrary: fc.constantFrom(...INVALID_DATES) },
);

const dateTimeArb: fc.Arbitrary<Value> = fc.oneof(
  { weight: 3, arbitrary: fc.date({ noInvalidDate: true, min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z') }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.constantFrom<Value>('2024-02-30T00:00:00Z', 'not a time', '', 0, '2024-01-01') },
);

const jsonObjectArb: fc.Arbitrary<Value> = fc.oneof({ weight: 3, arbitrary: fc.object({ maxDepth: 2, maxKeys: 4 }) }, { weight: 1, arbitrary: fc.constantFrom<Value>([], 'x', 1, null) });

/** The generic arbitrary of each scalar the schema uses; a scalar missing here fails loudly (add it). */
export const SCALAR_ARBITRARIES: Record<string, fc.Arbitrary<Value>> = {
  String: stringArb,
  Int: intArb,
  Float: floatArb,
  Boolean: boolArb,
  ID: idArb,
  Date: dateArb,
  DateTimeISO: dateTimeArb,
  JSONObject: jsonObjectArb,
};

function hintsFor(hints: FuzzHints, owner: string, name: string): readonly unknown[] | undefined {
  const h = hints.values[`${owner}.${name}`] ?? hints.values[name];
  return h && h.length > 0 ? h : undefined;
}

function withHints<T>(generic: fc.Arbitrary<T>, hinted: readonly unknown[] | undefined): fc.Arbitrary<Value> {
  if (!hinted) return generic;
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...hinted) }, { weight: 2, arbitrary: generic as fc.Arbitrary<Value> });
}

/** A position of `type` (possibly non-null), named `name` in `owner`. */
export function positionArbitrary(owner: string, name: string, type: GraphQLInputType, hints: FuzzHints, depth = 0): fc.Arbitrary<Value> {
  if (isNonNullType(type)) {
    const inner = nullableArbitrary(owner, name, type.ofType, hints, depth);
    return fc.oneof({ weight: 30, arbitrary: inner }, { weight: 1, arbitrary: fc.constantFrom<Value>(null, OMIT) });
  }
  const inner = nullableArbitrary(owner, name, type, hints, depth);
  return fc.oneof({ weight: 6, arbitrary: inner }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constant<Value>(OMIT) });
}

function nullableArbitrary(owner: string, name: string, type: GraphQLInputType, hints: FuzzHints, depth: number): fc.Arbitrary<Value> {
  if (isListType(type)) {
    const item = positionArbitrary(owner, name, type.ofType, hints, depth + 1).map((v) => (v === OMIT ? null : v));
    // A bare value where a list is expected is legal GraphQL (coerced to a one-item list): sometimes send that.
    return fc.oneof({ weight: 8, arbitrary: fc.array(item, { maxLength: 5 }) }, { weight: 1, arbitrary: item });
  }
  if (isEnumType(type)) {
    const names = type.getValues().map((v) => v.name);
    const generic = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...names) },
      { weight: 1, arbitrary: fc.constantFrom<Value>('NOT_A_VALUE', names[0]!.toLowerCase(), '', 0, `${names[0]} `) },
    );
    return withHints(generic, hintsFor(hints, owner, name));
  }
  if (isInputObjectType(type)) {
    if (depth > 6) return fc.constant(null);
    const fields = Object.values(type.getFields());
    const record = fc.record(Object.fromEntries(fields.map((f) => [f.name, positionArbitrary(type.name, f.name, f.type, hints, depth + 1)])) as Record<string, fc.Arbitrary<Value>>);
    const generated = fc
      .tuple(record, fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }))
      .map(([r, unknownField]) => {
        const out = stripOmitted(r);
        // An input field the type does not have: validation must refuse it.
        if (unknownField) out.__fuzzUnknownField = 'x';
        return out;
      });
    const bases = hintsFor(hints, owner, name);
    if (!bases) return generated;
    // A valid base with zero to two fields replaced by generated values (or removed): reaches the domain rules.
    const perturbed = fc
      .tuple(fc.constantFrom(...(bases as Record<string, unknown>[])), record, fc.subarray(fields.map((f) => f.name), { maxLength: 2 }))
      .map(([base, r, keys]) => {
        const out: Record<string, unknown> = { ...base };
        for (const k of keys) {
          if (r[k] === OMIT) delete out[k];
          else out[k] = r[k];
        }
        return out;
      });
    return fc.oneof({ weight: 3, arbitrary: perturbed }, { weight: 2, arbitrary: generated });
  }
  if (isScalarType(type)) {
    const generic = SCALAR_ARBITRARIES[type.name];
    if (!generic) throw new Error(`No arbitrary for the scalar ${type.name}: add one to test/support/arbitraries.ts`);
    return withHints(generic, hintsFor(hints, owner, name));
  }
  throw new Error(`Unexpected input type ${String(type)} at ${owner}.${name}`);
}

function stripOmitted(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (v !== OMIT) out[k] = v;
  return out;
}

/** The variables of one call of `field` (a mutation): one entry per argument sent; omitted arguments are absent. */
export function argumentsArbitrary(field: GraphQLField<unknown, unknown>, hints: FuzzHints): fc.Arbitrary<Record<string, unknown>> {
  if (field.args.length === 0) return fc.constant({});
  const record = fc.record(Object.fromEntries(field.args.map((a) => [a.name, positionArbitrary(field.name, a.name, a.type, hints)])) as Record<string, fc.Arbitrary<Value>>);
  return record.map(stripOmitted);
}

/**
 * The operation for one call: every argument present in `variables` is passed as a variable of its declared type (so
 * coercion of variables is exercised); the selection reads the payload two levels deep (leaves, and the leaves of the
 * objects it holds, skipping connections) so field resolvers run on what the mutation returns.
 */
export function mutationDocument(field: GraphQLField<unknown, unknown>, variables: Record<string, unknown>): string {
  const args = field.args.filter((a) => a.name in variables);
  const defs = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = args.length ? `${field.name}(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : field.name;
  return `mutation Fuzz${defs ? `(${defs})` : ''} { ${call}${selectionOf(field.type, 0)} }`;
}

export function selectionOf(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named)) return ' { __typename }';
  const parts = ['__typename'];
  for (const f of Object.values(named.getFields())) {
    if (f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const inner = getNamedType(f.type);
    if (isLeafType(inner)) parts.push(f.name);
    else if (depth < 2 && isObjectType(inner) && !inner.name.endsWith('Connection')) parts.push(`${f.name}${selectionOf(f.type, depth + 1)}`);
  }
  return ` { ${parts.join(' ')} }`;
}
