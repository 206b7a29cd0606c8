import autocannon from 'autocannon';
import pg from 'pg';
import type { CapturedStatement } from './capture-hook';
import type { HttpRequest } from './scenarios';

/** One measured run: a scenario against the server, or a baseline. */
export interface LoadResult {
  requests: number;
  durationSec: number;
  rps: number;
  p50: number;
  p99: number;
  /** Responses that were not 200, bodies that failed the check, socket errors and timeouts. */
  failures: { non2xx: number; mismatches: number; errors: number; timeouts: number };
  ok: boolean;
  /** The first failing body (for the log), if any. */
  sample?: string;
  /**
   * CPU per request while it ran, in ms (Linux): the measured server's process (all threads) or, for a replay, the
   * bench's own (the pg client); and every PostgreSQL process. Less noisy than req/s on a shared machine.
   */
  cpu?: { appMsPerRequest: number | null; postgresMsPerRequest: number | null };
}

export interface HttpLoad {
  baseUrl: string;
  connections: number;
  durationSec: number;
  /** Stop after this many requests even if the duration has not passed (finite scenarios). */
  maxRequests?: number;
  next: () => HttpRequest;
  verify: (body: string) => boolean;
  /** Called with each verified body (to keep one). */
  onBody?: (body: string) => void;
}

/** autocannon from this process; every response is checked (status by autocannon, body by `verify`). */
export async function runHttp(load: HttpLoad): Promise<LoadResult> {
  let sample: string | undefined;
  const first = load.next();
  const result = await autocannon({
    url: load.baseUrl,
    connections: load.connections,
    duration: load.durationSec,
    pipelining: 1,
    timeout: 30,
    ...(load.maxRequests !== undefined ? { maxOverallRequests: Math.max(load.connections, load.maxRequests) } : {}),
    requests: [{
      method: first.method, path: first.path, headers: first.headers, body: first.body,
      setupRequest: (request) => {
        const r = load.next();
        return { ...request, method: r.method, path: r.path, headers: r.headers, body: r.body };
      },
    }],
    verifyBody: (body: string) => {
      const ok = load.verify(body);
      if (!ok && sample === undefined) sample = body.slice(0, 500);
      if (ok) load.onBody?.(body);
      return ok;
    },
  });
  const requests = result['2xx'] + result.non2xx;
  const failures = { non2xx: result.non2xx, mismatches: result.mismatches, errors: result.errors, timeouts: result.timeouts };
  return {
    requests,
    durationSec: result.duration,
    rps: result.duration > 0 ? requests / result.duration : 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures,
    ok: requests > 0 && failures.non2xx + failures.mismatches + failures.errors + failures.timeouts === 0,
    sample,
  };
}

export interface ReplayLoad {
  /** The app role's URL: the replay pays row-level security as the app does. */
  url: string;
  connections: number;
  durationSec: number;
  /** One statement sequence per captured request; each replay connection cycles over its own share. */
  sequences: CapturedStatement[][];
  /** Writes: each transaction ends in ROLLBACK instead of COMMIT, so replays never collide with committed rows. */
  rollback: boolean;
  /**
   * Called when the pool's connections are open, and again when the last sequence has run but before the pool closes:
   * a reading of PostgreSQL's CPU must be taken while the replay's backends are alive (an exited backend's time is
   * gone from /proc).
   */
  probe?: { start(): void; stop(): void };
}

const AUDIT_TAIL = /FROM audit_events\s+WHERE org_id = \$1\s+ORDER BY seq DESC LIMIT 1/i;
const AUDIT_INSERT = /^\s*INSERT INTO audit_events\b/i;

/**
 * Runs one captured request's statements on one connection. Writes (rollback) end in ROLLBACK instead of COMMIT; the
 * audit append is relinked to the chain tail the replay just read or wrote (the captured seq was committed at capture
 * time, so the replay writes the next link, as the app would). `timings[i]` receives statement i's milliseconds.
 */
export async function executeSequence(client: pg.PoolClient | pg.Client, sequence: CapturedStatement[], rollback: boolean, timings?: number[]): Promise<void> {
  let inTransaction = false;
  let auditTail: { seq: string; hash: string } | null = null;
  try {
    for (let i = 0; i < sequence.length; i++) {
      const statement = sequence[i]!;
      let text = statement.text;
      let values = statement.values;
      if (/^\s*(START TRANSACTION|BEGIN)\b/i.test(text)) inTransaction = true;
      if (rollback && /^\s*COMMIT\s*$/i.test(text)) text = 'ROLLBACK';
      if (AUDIT_INSERT.test(text) && auditTail) {
        values = [...values];
        values[1] = String(Number(auditTail.seq) + 1);
        values[11] = auditTail.hash;
      }
      const t0 = process.hrtime.bigint();
      const result = await client.query(text, values);
      if (timings) timings[i] = Number(process.hrtime.bigint() - t0) / 1e6;
      if (AUDIT_TAIL.test(text)) auditTail = (result.rows[0] as { seq: string; hash: string } | undefined) ?? null;
      // The app links a transaction's next event in the same chain to the one it just wrote (src/modules/audit).
      else if (AUDIT_INSERT.test(text)) auditTail = { seq: String(values[1]), hash: String(values[12]) };
      if (/^\s*(COMMIT|ROLLBACK)\s*$/i.test(text)) inTransaction = false;
    }
  } catch (error) {
    if (inTransaction) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * The database's ceiling for a scenario: the statements one request ran, replayed with pg at the same concurrency,
 * one sequence per pooled connection, timed like an HTTP request (start to last result).
 */
export async function runReplay(load: ReplayLoad): Promise<LoadResult> {
  const pool = new pg.Pool({ connectionString: load.url, max: load.connections, application_name: 'trust-portal-bench-replay' });
  pool.on('error', () => undefined); // an idle client dropped by the server: the next query fails instead
  const clients = await Promise.all(Array.from({ length: load.connections }, () => pool.connect()));
  for (const c of clients) c.release();
  load.probe?.start();
  const latencies: number[] = [];
  let errors = 0;
  let sample: string | undefined;
  const deadline = Date.now() + load.durationSec * 1000;
  const started = process.hrtime.bigint();
  const worker = async (w: number): Promise<void> => {
    // Disjoint shares when there are enough captures: two connections never replay the same request at once.
    const own = load.sequences.length >= load.connections ? load.sequences.filter((_, i) => i % load.connections === w) : load.sequences;
    for (let iteration = 0; Date.now() < deadline; iteration++) {
      const sequence = own[iteration % own.length]!;
      const client = await pool.connect();
      const t0 = process.hrtime.bigint();
      try {
        await executeSequence(client, sequence, load.rollback);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      } catch (error) {
        errors += 1;
        if (sample === undefined) sample = error instanceof Error ? error.message : String(error);
      } finally {
        client.release();
      }
    }
  };
  await Promise.all(Array.from({ length: load.connections }, (_, w) => worker(w)));
  const durationSec = Number(process.hrtime.bigint() - started) / 1e9;
  load.probe?.stop();
  await pool.end();
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => (latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!);
  return {
    requests: latencies.length,
    durationSec: Math.round(durationSec * 100) / 100,
    rps: latencies.length / durationSec,
    p50: Math.round(pct(50) * 100) / 100,
    p99: Math.round(pct(99) * 100) / 100,
    failures: { non2xx: 0, mismatches: 0, errors, timeouts: 0 },
    ok: latencies.length > 0 && errors === 0,
    sample,
  };
}

export interface StatementProfile {
  /** Sum of the statements' median times, run one after another on one idle connection. */
  totalMs: number;
  slowest: { ms: number; text: string }[];
}

/** Where a request's database time goes: each statement's median over `repeats` serial runs, slowest first. */
export async function profileStatements(url: string, sequence: CapturedStatement[], rollback: boolean, repeats = 5): Promise<StatementProfile> {
  const client = new pg.Client({ connectionString: url, application_name: 'trust-portal-bench-profile' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const runs: number[][] = [];
    for (let r = 0; r < repeats + 1; r++) {
      const timings: number[] = [];
      await executeSequence(client, sequence, rollback, timings);
      if (r > 0) runs.push(timings); // the first run warms caches and plans
    }
    const medians = sequence.map((_, i) => {
      const values = runs.map((t) => t[i] ?? 0).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)] ?? 0;
    });
    const round = (n: number): number => Math.round(n * 100) / 100;
    const slowest = medians
      .map((ms, i) => ({ ms: round(ms), text: sequence[i]!.text.replace(/\s+/g, ' ').trim().slice(0, 220) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3);
    return { totalMs: round(medians.reduce((a, b) => a + b, 0)), slowest };
  } finally {
    await client.end();
  }
}
