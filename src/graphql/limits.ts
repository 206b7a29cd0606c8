import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import { getNamedType, getOperationAST, GraphQLError, visit, type GraphQLSchema, type ValidationRule } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { AppConfig } from '../config/config';
import { DEFAULT_PAGE_SIZE } from './connection';

/**
 * Abuse limits. Depth, aliases, directives, tokens and field suggestions come from graphql-armor; the cost limit
 * from graphql-query-complexity with an estimator that multiplies a connection's selection by its page size, so a
 * request's cost grows with the rows it can return.
 */
export const LIMIT_CODES: { pattern: RegExp; code: string }[] = [
  { pattern: /^Syntax Error: Query depth limit of \d+ exceeded/, code: 'DEPTH_LIMIT_EXCEEDED' },
  { pattern: /^Syntax Error: Aliases limit of \d+ exceeded/, code: 'ALIAS_LIMIT_EXCEEDED' },
  { pattern: /^Syntax Error: Directives limit of \d+ exceeded/, code: 'DIRECTIVE_LIMIT_EXCEEDED' },
  { pattern: /^Syntax Error: Token limit of \d+ exceeded/, code: 'TOKEN_LIMIT_EXCEEDED' },
];

const listSizeEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  // Connections: each of up to `first` edges costs what its selection costs.
  if (field.args.some((a) => a.name === 'first') || getNamedType(field.type).name.endsWith('Connection')) {
    const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
    return 1 + first * Math.max(childComplexity, 1);
  }
  return undefined;
};

export function armor(config: AppConfig): { plugins: ApolloServerPlugin[]; validationRules: ValidationRule[] } {
  const l = config.limits;
  const protection = new ApolloArmor({
    maxDepth: { n: l.maxDepth, exposeLimits: true, flattenFragments: true },
    maxAliases: { n: l.maxAliases, exposeLimits: true },
    maxDirectives: { n: l.maxDirectives, exposeLimits: true },
    maxTokens: { n: l.maxTokens, exposeLimits: true },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: config.env === 'production' },
  }).protect();
  return { plugins: protection.plugins, validationRules: protection.validationRules };
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
