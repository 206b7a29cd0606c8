import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { Kind, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { AppConfig } from '../config/config';
import type { Database } from '../db/database';
import { currentQueryStats } from '../db/query-stats';
import type { RequestContext } from '../graphql/context';
import { formatError, isDatabaseUnavailable } from '../graphql/format-error';
import { OperationExecutor } from '../graphql/executor';
import { costLimitPlugin, documentLimits, textValidityPlugin } from '../graphql/limits';
import { buildAppSchema } from '../graphql/schema';
import type { Logger } from '../logger';
import { StorageUnavailableError } from '../modules/storage/storage';
import { observeExecution } from './metrics';
import { PersistedQueryStore, type RegisteredOperation } from './operations';

function loggingPlugin(logger: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors, operationName }) {
          for (const error of errors) {
            const code = error.extensions?.code;
            if (code && code !== 'INTERNAL_SERVER_ERROR') continue;
            const original = error.originalError ?? error;
            if (isDatabaseUnavailable(original) || original instanceof StorageUnavailableError) {
              // An outage, not a bug: one short line, no stack (thousands of requests may fail alike).
              logger.warn('dependency unavailable', { requestId: contextValue.requestId, operationName, error: original.message.slice(0, 200) });
              continue;
            }
            logger.error('unexpected error', {
              requestId: contextValue.requestId,
              operationName,
              error: original.message,
              stack: original.stack?.split('\n').slice(0, 8).join('\n'),
            });
          }
        },
      };
    },
  };
}

/**
 * Whether every root field of a mutation is marked `@Extensions({ readsFirst: true })`: it reads what it decides on
 * first, then ends the reads itself (`Database.endReads`) before any other work, so the read transaction the request
 * began for authentication can take those reads too (one read and one write transaction instead of three).
 */
function readsFirst(operation: OperationDefinitionNode, schema: GraphQLSchema): boolean {
  const fields = schema.getMutationType()?.getFields();
  const selections = operation.selectionSet.selections;
  return selections.length > 0 && selections.every((s) => s.kind === Kind.FIELD && fields?.[s.name.value]?.extensions?.readsFirst === true);
}

/**
 * One read transaction per query operation (issue 16, item 1). The request's QueryStats (set around Apollo by
 * src/http/graphql.ts and trust-page.plugin.ts) carries a read session that every `Database.transaction` joins
 * (src/db/read-session.ts): /graphql opens one for the whole request, so the caller's authentication (a read, see
 * principal.ts) shares it. Once the operation is known: a `query` keeps it (or gets one); a mutation marked
 * `readsFirst` keeps it for its reads (see readsFirst); anything else ends it, so a mutation has a transaction per unit
 * of work. It is committed and its connection released as soon as execution ends, before the response is serialized;
 * the routes close it again after execution (a no-op then) in case execution never started.
 */
export function readSessionPlugin(db: Database): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const stats = currentQueryStats();
      if (!stats) return;
      return {
        async didResolveOperation({ operation, schema }) {
          if (operation?.operation === 'query') {
            if (!stats.readSession?.accepting) stats.readSession = db.readSession();
            return;
          }
          if (operation?.operation === 'mutation' && stats.readSession?.accepting && readsFirst(operation, schema)) {
            stats.readSession.keepForReads();
            return;
          }
          const session = stats.readSession;
          stats.readSession = undefined;
          await session?.close();
        },
        async executionDidStart() {
          return {
            async executionDidEnd() {
              await stats.readSession?.close();
            },
          };
        },
      };
    },
  };
}

/**
 * Apollo's one way to hand execution to other code is the gateway interface (meant for federation): it hands over
 * the schema, then calls `executor` with each request that passed parsing, validation and every plugin hook before
 * execution; plugins' execution hooks and the formatting of errors stay Apollo's. See executor.ts for why.
 */
function compiledExecution(schema: GraphQLSchema, compileAtRun: number, logger: Logger): GatewayInterface {
  const executor = new OperationExecutor(schema, compileAtRun, 500, (key, error) => {
    observeExecution('compile_failed');
    logger.warn('graphql-jit could not compile an operation; it runs interpreted', { queryHash: key.split('|')[0], error: error instanceof Error ? error.message.slice(0, 200) : String(error) });
  }, observeExecution);
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return {
        // The operation the client named (`request.operationName` is the one Apollo resolved: null when the name
        // matched none, and graphql-js must say so rather than run the document's only operation).
        executor: (request) => executor.execute({
          key: `${request.queryHash}|${request.request.operationName ?? ''}`,
          document: request.document,
          operationName: request.request.operationName ?? null,
          contextValue: request.context,
          variableValues: request.request.variables,
        }),
      };
    },
    async stop() {},
  };
}

/** The started Apollo server: schema, limits, persisted queries (APQ in PostgreSQL, or the manifest), error logging. */
export async function startApollo(config: AppConfig, db: Database, logger: Logger, manifest: Map<string, RegisteredOperation> | null): Promise<ApolloServer<RequestContext>> {
  const schema = await buildAppSchema();
  const limits = documentLimits(config);
  const apollo = new ApolloServer<RequestContext>({
    gateway: compiledExecution(schema, config.compileAtRun, logger),
    formatError: (formatted, error) => formatError(formatted, error, limits.parseOptions.maxTokens),
    // Introspection stays on for single types (`__type(name:)`, which the GraphQL-over-HTTP audit and client tools
    // use); production refuses the whole-schema dump (`__schema`, see limits.ts) and hides field suggestions.
    introspection: true,
    hideSchemaDetailsFromClientErrors: config.env === 'production',
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    persistedQueries: { cache: new PersistedQueryStore(db, manifest), ttl: null },
    includeStacktraceInErrorResponses: false,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    // Cache-Control is ours (public-cache.plugin.ts); Apollo's cache-control plugin would only wrap every field resolver.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), readSessionPlugin(db), loggingPlugin(logger), textValidityPlugin(), costLimitPlugin(schema, config.limits.maxCost)],
  });
  await apollo.start();
  return apollo;
}
