import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType, getOperationAST, GraphQLError, Kind, Lexer, TokenKind, visit,
  type ASTNode, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode, type ValidationContext, type ValidationRule,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { AppConfig } from '../config/config';
import { DEFAULT_PAGE_SIZE } from './connection';

/**
 * Abuse limits, each refused with HTTP 400 and a stable `extensions.code`:
 * - tokens: graphql-js's own parser limit (`parseOptions.maxTokens`), so an oversized document is never parsed whole;
 * - depth, aliases, directives and fields: one validation rule that walks each operation with its fragments expanded,
 *   counting every field whatever its name (`__typename` included) and every repetition of a field;
 * - cost: graphql-query-complexity, multiplying a connection's selection by its page size.
 */
export type LimitCode = 'DEPTH_LIMIT_EXCEEDED' | 'ALIAS_LIMIT_EXCEEDED' | 'DIRECTIVE_LIMIT_EXCEEDED' | 'FIELD_LIMIT_EXCEEDED' | 'TOKEN_LIMIT_EXCEEDED';

/** A document over one of the limits; format-error.ts answers it with its `code`. */
export class LimitExceededError extends GraphQLError {
  constructor(readonly code: LimitCode, message: string, nodes?: readonly ASTNode[]) {
    super(message, { nodes, extensions: { code } });
  }
}

/**
 * The parser's `maxTokens` refusal as a LimitExceededError, or null for any other error. graphql-js 16 gives that
 * syntax error no code, and its wording ("more that N tokens") is no API, so it is recognised by where it is raised:
 * at the start of the document's (maxTokens + 1)th token, which this finds by lexing the source itself (at most
 * maxTokens + 1 tokens, and only for a document that failed to parse). A grammar or lexing error anywhere else, or in
 * a document that has no more than maxTokens tokens, is not it.
 */
export function asTokenLimitError(error: unknown, maxTokens: number | undefined): LimitExceededError | null {
  if (maxTokens === undefined || !(error instanceof GraphQLError) || !error.source || error.positions?.length !== 1) return null;
  const at = error.positions[0];
  const lexer = new Lexer(error.source);
  try {
    for (let n = 1; n <= maxTokens + 1; n++) {
      const token = lexer.advance();
      if (token.kind === TokenKind.EOF || token.start > at) return null;
      if (n === maxTokens + 1) return token.start === at ? new LimitExceededError('TOKEN_LIMIT_EXCEEDED', `Token limit of ${maxTokens} exceeded: send a smaller document.`) : null;
    }
  } catch {
    return null; // a lexing error before the limit: the parser's error is that one
  }
  return null;
}

export interface DocumentLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Field selections in an operation, fragments expanded (duplicates count: each is validated and merged). */
  maxFields: number;
  /** How often one response key may be selected in one selection set (`{ a a a }`). */
  maxRepeats: number;
  /** Leave `__schema { ... }` out of the counts (GraphiQL's introspection query, where introspection is on). */
  ignoreSchemaIntrospection: boolean;
}

interface Counts { fields: number; aliases: number; directives: number; depth: number; repeats: number; repeated: string | null }

const ZERO: Counts = { fields: 0, aliases: 0, directives: 0, depth: 0, repeats: 0, repeated: null };

function measure(document: DocumentNode, limits: DocumentLimits): Map<ASTNode, Counts> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, Counts>();
  const visiting = new Set<string>();

  const fragmentCounts = (name: string): Counts => {
    const known = memo.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown fragments and cycles are graphql-js's to report (KnownFragmentNames, NoFragmentCycles).
    if (!fragment || visiting.has(name)) return ZERO;
    visiting.add(name);
    const counts = walk(fragment.selectionSet);
    visiting.delete(name);
    memo.set(name, counts);
    return counts;
  };

  function walk(set: SelectionSetNode): Counts {
    const total: Counts = { fields: 0, aliases: 0, directives: 0, depth: 0, repeats: 0, repeated: null };
    const keys = new Map<string, number>();
    const add = (c: Counts, depthOffset: number): void => {
      total.fields += c.fields;
      total.aliases += c.aliases;
      total.directives += c.directives;
      total.depth = Math.max(total.depth, c.depth + depthOffset);
      if (c.repeats > total.repeats) {
        total.repeats = c.repeats;
        total.repeated = c.repeated;
      }
    };
    for (const selection of set.selections) {
      total.directives += selection.directives?.length ?? 0;
      if (selection.kind === Kind.FIELD) {
        if (limits.ignoreSchemaIntrospection && selection.name.value === '__schema') continue;
        const key = selection.alias?.value ?? selection.name.value;
        const seen = (keys.get(key) ?? 0) + 1;
        keys.set(key, seen);
        if (seen > total.repeats) {
          total.repeats = seen;
          total.repeated = key;
        }
        total.fields += 1;
        if (selection.alias) total.aliases += 1;
        total.depth = Math.max(total.depth, 1);
        if (selection.selectionSet) add(walk(selection.selectionSet), 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        add(walk(selection.selectionSet), 0);
      } else {
        add(fragmentCounts(selection.name.value), 0);
      }
    }
    return total;
  }

  const result = new Map<ASTNode, Counts>();
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const counts = walk(d.selectionSet);
    counts.directives += (d.directives?.length ?? 0) + (d.variableDefinitions ?? []).reduce((n, v) => n + (v.directives?.length ?? 0), 0);
    result.set(d, counts);
  }
  return result;
}

/** One validation rule for depth, aliases, directives and fields; each operation is measured once, on entering the document. */
export function documentLimitsRule(limits: DocumentLimits): ValidationRule {
  return (context: ValidationContext) => ({
    Document(document) {
      for (const [operation, c] of measure(document, limits)) {
        const refuse = (code: LimitCode, message: string): void => context.reportError(new LimitExceededError(code, message, [operation]));
        if (c.depth > limits.maxDepth) refuse('DEPTH_LIMIT_EXCEEDED', `Query depth limit of ${limits.maxDepth} exceeded (found ${c.depth}).`);
        if (c.aliases > limits.maxAliases) refuse('ALIAS_LIMIT_EXCEEDED', `Aliases limit of ${limits.maxAliases} exceeded (found ${c.aliases}).`);
        if (c.directives > limits.maxDirectives) refuse('DIRECTIVE_LIMIT_EXCEEDED', `Directives limit of ${limits.maxDirectives} exceeded (found ${c.directives}).`);
        if (c.fields > limits.maxFields) refuse('FIELD_LIMIT_EXCEEDED', `Field limit of ${limits.maxFields} exceeded (found ${c.fields}, fragments expanded): ask for fewer fields.`);
        else if (c.repeats > limits.maxRepeats) refuse('FIELD_LIMIT_EXCEEDED', `"${c.repeated}" is selected ${c.repeats} times in one selection set; at most ${limits.maxRepeats}.`);
      }
      return false; // nothing below the document is visited by this rule
    },
  });
}

/** In production, `__schema` (the whole-schema dump) is refused; `__type(name:)` and `__typename` stay available. */
export const NoSchemaDumpRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema') {
      context.reportError(new GraphQLError('Schema introspection (__schema) is disabled on this server; the schema is published with its documentation.', { nodes: [node] }));
    }
  },
});

const listSizeEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  // Connections: each of up to `first` edges costs what its selection costs.
  if (field.args.some((a) => a.name === 'first') || getNamedType(field.type).name.endsWith('Connection')) {
    const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
    return 1 + first * Math.max(childComplexity, 1);
  }
  return undefined;
};

/** Apollo options and validation rules for the configured limits. */
export function documentLimits(config: AppConfig): { validationRules: ValidationRule[]; parseOptions: { maxTokens: number } } {
  const l = config.limits;
  const production = config.env === 'production';
  const rule = documentLimitsRule({
    maxDepth: l.maxDepth, maxAliases: l.maxAliases, maxDirectives: l.maxDirectives, maxFields: l.maxFields, maxRepeats: l.maxRepeats,
    ignoreSchemaIntrospection: !production,
  });
  return { validationRules: production ? [rule, NoSchemaDumpRule] : [rule], parseOptions: { maxTokens: l.maxTokens } };
}

export function costLimitPlugin(schema: GraphQLSchema, maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          // Variables that do not fit their types are graphql-js's to refuse (BAD_USER_INPUT, HTTP 400) when it
          // executes; the complexity walk would throw on them first, as an internal error. Cost is counted on the
          // coerced values, so it is counted exactly as execution will see them.
          const operation = getOperationAST(document, request.operationName ?? undefined);
          if (!operation) return;
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 1 });
          if (coerced.errors) return;
          const cost = getComplexity({
            schema,
            query: document,
            variables: coerced.coerced,
            operationName: request.operationName ?? undefined,
            estimators: [listSizeEstimator, simpleEstimator({ defaultComplexity: 1 })],
          });
          if (cost > maxCost) {
            throw new GraphQLError(`Query cost ${cost} exceeds the limit of ${maxCost}: ask for smaller pages or fewer fields.`, {
              extensions: { code: 'COST_LIMIT_EXCEEDED', cost, maxCost, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

/** NUL, or half of a surrogate pair: text PostgreSQL cannot store (and JSON cannot carry), refused up front. */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function firstUnstorable(value: unknown, path: string): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstUnstorable(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = firstUnstorable(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Text that cannot be stored is the client's error (BAD_USER_INPUT, HTTP 400), found before any resolver runs, in
 * variables and in string literals of the document alike.
 */
export function textValidityPlugin(): ApolloServerPlugin {
  const refuse = (where: string): never => {
    throw new GraphQLError(`${where} contains a NUL character or an unpaired surrogate; send valid Unicode text.`, {
      extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
    });
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const inVariables = firstUnstorable(request.variables ?? {}, '');
          if (inVariables !== null) refuse(`Variable "$${inVariables}"`);
          visit(document, {
            StringValue(node) {
              if (UNSTORABLE.test(node.value)) refuse('A string literal');
            },
          });
        },
      };
    },
  };
}
