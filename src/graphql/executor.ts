import { execute, getOperationAST, getVariableValues, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema, type VariableDefinitionNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/**
 * graphql-jit's errors look like graphql-js's but are not made by its constructor: `extensions` is undefined unless
 * the thrown error had some (Apollo reads `error.extensions.code` and fails on it: a timed-out statement or a storage
 * outage became INTERNAL_SERVER_ERROR instead of TIMEOUT or SERVICE_UNAVAILABLE), and `originalError` is hidden
 * from copies. Each one is rebuilt as graphql-js would have made it; the locations are graphql-jit's (it has no
 * nodes to give).
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, { path: error.path, originalError: error.originalError, extensions: error.extensions ?? undefined });
  if (error.locations) (rebuilt as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return rebuilt;
}

interface Compiled {
  query: CompiledQuery;
  variables: readonly VariableDefinitionNode[];
}

export interface OperationToRun {
  /** Names the document and operation: the same key, the same compiled code (Apollo's queryHash + operation name). */
  key: string;
  document: DocumentNode;
  operationName: string | null;
  contextValue: unknown;
  variableValues: Record<string, unknown> | undefined;
}

/**
 * Runs operations that Apollo has parsed and validated. graphql-js interprets a document field by field: for every
 * field of every object it builds a resolve-info object, a path and an arguments object, and looks the field up again.
 * For a list of a hundred vendor statuses (about 4,000 fields) that was a fifth of the request's CPU and most of what
 * its garbage collection had to sweep. graphql-jit compiles an operation once into a function that reads each field
 * directly and calls resolvers only where the schema has them (with `simpleResolvers`, see schema.ts, plain fields
 * have none).
 *
 * Compiling costs more than one interpreted run, so by default an operation is compiled the second time it is seen
 * (`compileAtRun`, GRAPHQL_COMPILE_AT_RUN; 0 never compiles): a stream of distinct documents (an attacker's or an
 * explorer's) is interpreted as before and costs no compilation. Both stores are bounded (least recently used first
 * out). A document graphql-jit cannot compile is interpreted from then on.
 * The state is a per-process cache: another instance compiles its own, nothing depends on it being shared.
 *
 * Variables are coerced by graphql-js before a compiled operation runs, and a refusal is graphql-js's: graphql-jit's
 * own coercion words its errors differently, drops the scalar's reason (a date out of range) and the variable's
 * node, so Apollo could no longer tell a bad variable (400, BAD_USER_INPUT) from a server error. The compiled
 * operation then coerces the same values again (the same scalars' parseValue), which costs little for the small
 * variables an operation takes.
 */
export class OperationExecutor {
  /** Compiled operations, least recently used first; `null`: graphql-jit refused it, interpret it. */
  private readonly compiled = new Map<string, Compiled | null>();
  /** Operations seen but not compiled yet, with how many times they ran, oldest first. */
  private readonly runs = new Map<string, number>();

  constructor(
    private readonly schema: GraphQLSchema,
    /** The run at which an operation is compiled (1: the first); 0: never, every operation is interpreted. */
    private readonly compileAtRun = 2,
    private readonly maxCompiled = 500,
    private readonly onCompileFailure: (key: string, error: unknown) => void = () => undefined,
    /** Told how each operation ran (metrics). */
    private readonly onExecute: (mode: 'compiled' | 'interpreted') => void = () => undefined,
  ) {}

  /** How many operations are held compiled (tests, metrics). */
  get compiledCount(): number {
    let n = 0;
    for (const q of this.compiled.values()) if (q) n += 1;
    return n;
  }

  async execute(op: OperationToRun): Promise<ExecutionResult> {
    const compiled = this.compiledFor(op);
    this.onExecute(compiled ? 'compiled' : 'interpreted');
    if (!compiled) {
      return execute({ schema: this.schema, document: op.document, operationName: op.operationName, contextValue: op.contextValue, variableValues: op.variableValues });
    }
    const variables = op.variableValues ?? {};
    const coerced = getVariableValues(this.schema, compiled.variables, variables, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    const result = await compiled.query.query(undefined, op.contextValue, variables);
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLJsError) } : result;
  }

  private compiledFor(op: OperationToRun): Compiled | null {
    const held = this.compiled.get(op.key);
    if (held !== undefined) {
      // Most recently used last.
      this.compiled.delete(op.key);
      this.compiled.set(op.key, held);
      return held;
    }
    if (this.compileAtRun === 0) return null;
    const run = (this.runs.get(op.key) ?? 0) + 1;
    if (run < this.compileAtRun) {
      this.runs.delete(op.key);
      this.runs.set(op.key, run);
      if (this.runs.size > this.maxCompiled) this.runs.delete(this.runs.keys().next().value!);
      return null;
    }
    this.runs.delete(op.key);
    let compiled: Compiled | null = null;
    try {
      const result = compileQuery(this.schema, op.document, op.operationName ?? undefined);
      const operation = getOperationAST(op.document, op.operationName);
      if (isCompiledQuery(result) && operation) compiled = { query: result, variables: operation.variableDefinitions ?? [] };
      else this.onCompileFailure(op.key, (!isCompiledQuery(result) && result.errors?.[0]) || new Error('graphql-jit returned no compiled query'));
    } catch (error) {
      this.onCompileFailure(op.key, error);
    }
    this.compiled.set(op.key, compiled);
    if (this.compiled.size > this.maxCompiled) this.compiled.delete(this.compiled.keys().next().value!);
    return compiled;
  }
}
