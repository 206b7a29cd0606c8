import { randomBytes } from 'node:crypto';
import { signDevToken } from '../../src/modules/auth/jwt';
import { JWT } from './stack';

/** A GraphQL client for the fault and soak scripts: every answer is timed and reduced to a status and an error code. */
export interface Answer {
  ok: boolean;
  status: number;
  ms: number;
  startedAt: number;
  endedAt: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: Record<string, any> | null;
  errors: { message: string; extensions?: { code?: string } }[] | undefined;
  /** extensions.code of the first error; NETWORK:<reason> when no HTTP answer came; HTTP_<status> for a non-JSON one. */
  code: string | null;
  text: string;
}

export interface CallOptions {
  variables?: Record<string, unknown>;
  token?: string;
  org?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** An anonymous GET with the query in the URL (the cacheable public page). */
  get?: boolean;
}

export async function call(url: string, query: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.org) headers['x-org'] = options.org;
  const startedAt = Date.now();
  let target = url;
  const init: RequestInit = { signal: AbortSignal.timeout(options.timeoutMs ?? 30_000), headers };
  if (options.get) {
    target = `${url}?query=${encodeURIComponent(query)}${options.variables ? `&variables=${encodeURIComponent(JSON.stringify(options.variables))}` : ''}`;
    headers['apollo-require-preflight'] = 'true';
  } else {
    init.method = 'POST';
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify({ query, variables: options.variables });
  }
  const base = { startedAt, data: null, errors: undefined, text: '' };
  let res: Response;
  let text: string;
  try {
    res = await fetch(target, init);
    text = await res.text();
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string }; message?: string };
    const reason = e.name === 'TimeoutError' ? 'TIMEOUT' : (e.cause?.code ?? e.message ?? 'failed');
    const endedAt = Date.now();
    return { ...base, ok: false, status: 0, ms: endedAt - startedAt, endedAt, code: `NETWORK:${reason}` };
  }
  const endedAt = Date.now();
  let body: { data?: Answer['data']; errors?: Answer['errors'] } | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const errors = body?.errors;
  const data = body?.data ?? null;
  const code = body === null ? `HTTP_${res.status}` : (errors?.[0]?.extensions?.code ?? (errors?.length ? 'NO_CODE' : null));
  return { ok: res.status === 200 && !errors?.length && data !== null, status: res.status, ms: endedAt - startedAt, startedAt, endedAt, data, errors, code, text };
}

/** The payload of a mutation answer, or an exception naming what went wrong (setup steps must succeed). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function must(answer: Answer, field: string): Record<string, any> {
  if (!answer.ok) throw new Error(`${field}: HTTP ${answer.status} ${answer.code}: ${answer.text.slice(0, 300)}`);
  const payload = answer.data![field];
  if (payload && typeof payload === 'object' && Array.isArray(payload.errors) && payload.errors.length) {
    throw new Error(`${field}: ${JSON.stringify(payload.errors)}`);
  }
  return payload;
}

export const suffix = (): string => randomBytes(5).toString('hex');

export function tokenFor(email: string, ttlSeconds = 6 * 3600): string {
  return signDevToken({ algorithm: 'HS256', secret: JWT.secret, issuer: JWT.issuer, audience: JWT.audience, clockToleranceSeconds: 30 }, { subject: `faults|${email}`, email }, ttlSeconds);
}

export async function getJson(url: string, timeoutMs = 5000): Promise<{ status: number; body: unknown; ms: number }> {
  const started = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: res.status, body, ms: Date.now() - started };
  } catch (error) {
    return { status: 0, body: String((error as { cause?: { code?: string } }).cause?.code ?? error), ms: Date.now() - started };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile of a list of numbers (0 for an empty list). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
