import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import { getNamedType, GraphQLError, type GraphQLSchema, type ValidationRule } from 'graphql';
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
          const cost = getComplexity({
            schema,
            query: document,
            variables: request.variables ?? {},
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
