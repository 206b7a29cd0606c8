import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Prometheus metrics at /metrics: process defaults and GraphQL latency per operation and status. */
const registry = new Registry();
collectDefaultMetrics({ register: registry });

const requestDuration = new Histogram({
  name: 'graphql_request_duration_seconds',
  help: 'GraphQL request latency by operation name (anonymous operations: "anonymous") and HTTP status.',
  labelNames: ['operation', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** Operation names come from clients: past this many distinct ones, new names are counted as "other". */
const MAX_OPERATION_LABELS = 200;
const seen = new Set<string>();

export function observeRequest(operation: string | null, status: number, seconds: number): void {
  let label = operation ?? 'anonymous';
  if (!seen.has(label)) {
    if (seen.size >= MAX_OPERATION_LABELS) label = 'other';
    else seen.add(label);
  }
  requestDuration.labels(label, String(status)).observe(seconds);
}

const publicCacheLookups = new Counter({
  name: 'public_cache_lookups_total',
  help: 'Anonymous GET lookups in the public response cache: hit, miss, or off (invalidation listener down or cache disabled).',
  labelNames: ['result'] as const,
  registers: [registry],
});

export function observeCache(result: 'hit' | 'miss' | 'off'): void {
  publicCacheLookups.labels(result).inc();
}

const executions = new Counter({
  name: 'graphql_executions_total',
  help: 'GraphQL operations executed: compiled (graphql-jit), interpreted (graphql-js: an operation\'s runs before GRAPHQL_COMPILE_AT_RUN, or one graphql-jit refused), compile_failed (refusals, each counted once).',
  labelNames: ['mode'] as const,
  registers: [registry],
});

export function observeExecution(mode: 'compiled' | 'interpreted' | 'compile_failed'): void {
  executions.labels(mode).inc();
}

export const metricsContentType = registry.contentType;
export const metricsText = (): Promise<string> => registry.metrics();
