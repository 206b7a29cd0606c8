import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { call, getJson, percentile, sleep, type Answer } from './lib/client';
import { attestationInput, QUERIES, seedWorld, type World } from './lib/seed';
import { runWithStack, type ServerProcess, type Stack } from './lib/stack';

/**
 * `npm run faults`: fault injection against a real server process (issue 7). Own embedded PostgreSQL and S3 in a
 * temporary folder, the API as `node dist/src/main.js` (production settings), fixtures through GraphQL; then:
 *   1. PostgreSQL stopped under load (fail fast with a code, stay up, recover, lose no acknowledged write);
 *   2. S3 unreachable (typed error, no download recorded, recovery);
 *   3. connection pool exhausted (bounded wait, coded error);
 *   4. SIGTERM under load (in-flight requests finish, new connections refused, exit 0).
 * Prints PASS/FAIL per check and a summary of the measured numbers; exits 1 on any FAIL.
 * Options: --only 1,3 (run some faults), --rate-limits off (RATE_LIMIT_* = 0 instead of high limits).
 */
const FAIL_FAST_MS = 5000;
const RECOVERY_MS = 5000;

const { values: args } = parseArgs({ options: { only: { type: 'string' }, 'rate-limits': { type: 'string', default: 'on' }, verbose: { type: 'boolean', default: false } } });
const only = new Set((args.only ?? '1,2,3,4').split(',').map((s) => Number(s.trim())));
const limitsOff = args['rate-limits'] === 'off';
const limitEnv: Record<string, string> = limitsOff ? { RATE_LIMIT_PER_PRINCIPAL: '0', RATE_LIMIT_PER_IP: '0' } : {};

interface Check {
  fault: number;
  name: string;
  pass: boolean;
  detail: string;
}
const checks: Check[] = [];
const measured: [string, string][] = [];
const findings: string[] = [];

function check(fault: number, name: string, pass: boolean, detail = ''): boolean {
  checks.push({ fault, name, pass, detail });
  process.stdout.write(`${pass ? 'PASS' : 'FAIL'}  [${fault}] ${name}${detail ? `  (${detail})` : ''}\n`);
  return pass;
}
const info = (fault: number, text: string): void => void process.stdout.write(`INFO  [${fault}] ${text}\n`);
const measure = (label: string, value: string): void => void measured.push([label, value]);
const section = (title: string): void => void process.stdout.write(`\n== ${title}\n`);

function codes(answers: Answer[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) {
    const key = a.ok ? '200 ok' : `${a.status} ${a.code}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} x${n}`).join(', ') || 'none';
}

/** The distinct unexpected errors the server logged (message and first stack frame), with counts, most frequent first. */
function errorSummary(server: ServerProcess, since = 0): string[] {
  const counts = new Map<string, number>();
  for (const line of errorLines(server, since)) {
    let key = line.slice(0, 200);
    try {
      const e = JSON.parse(line) as { msg?: string; error?: string; stack?: string };
      const frame = e.stack?.split('\n').find((l) => l.includes('/src/') && !l.includes('node_modules'))?.trim() ?? '';
      key = `${e.msg}: ${e.error}${frame ? ` ${frame.replace(/^at /, '@ ')}` : ''}`;
    } catch {
      // not JSON: keep the raw line
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${n} x ${k}`);
}

/** Log lines of the server about unexpected errors (what an operator would grep for). */
function errorLines(server: ServerProcess, since = 0): string[] {
  return server.logs.slice(since).filter((l) => /"level":"error"/.test(l) || /request failed|unexpected error/.test(l));
}

/**
 * A success, or the coded "retry shortly" answer. HTTP 503 when the whole request failed; a field that failed
 * (partial data, GraphQL's rule) answers HTTP 200 with the code in errors[].extensions: both are coded.
 */
const coded = (a: Answer): boolean => a.ok || a.code === 'SERVICE_UNAVAILABLE';

/** Holds ACCESS EXCLUSIVE locks on tables from outside (as the owner): requests that touch them wait, holding a pooled connection. */
async function lockTables(stack: Stack, tables: string[]): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: stack.ownerUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${tables.join(', ')} IN ACCESS EXCLUSIVE MODE`);
  return {
    async release() {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

async function waitingOnLocks(stack: Stack, atLeast: number, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  while (Date.now() < deadline) {
    const { rows } = await stack.ownerPool().query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'trust_portal_app' AND application_name = 'trust-portal' AND wait_event_type = 'Lock'`);
    n = rows[0].n;
    if (n >= atLeast) return n;
    await sleep(50);
  }
  return n;
}

/* ------------------------------------------------------------------------------------------------------------ 1 */
async function postgresStopped(stack: Stack, server: ServerProcess, world: World): Promise<void> {
  section('1. PostgreSQL stopped under load');
  const url = server.url;
  const vendor = { token: world.vendor.token, org: world.vendor.slug };
  const customer = { token: world.customer.token, org: world.customer.slug };
  interface Rec extends Answer {
    op: string;
  }
  const records: Rec[] = [];
  const acked: { id: string; title: string }[] = [];
  const unacked: { key: string; title: string; variables: Record<string, unknown> }[] = [];
  const ops: { name: string; run(): Promise<Answer> }[] = [
    {
      name: 'createAttestation',
      async run() {
        const key = randomUUID();
        const title = `fault1-${key}`;
        const variables = { i: attestationInput(title) };
        const a = await call(url, QUERIES.createAttestation, { ...vendor, variables, headers: { 'idempotency-key': key } });
        const id = a.ok ? (a.data!.createAttestation?.attestation?.id as string | undefined) : undefined;
        if (id && a.data!.createAttestation.errors.length === 0) acked.push({ id, title });
        else unacked.push({ key, title, variables });
        return a;
      },
    },
    { name: 'page GET', run: () => call(url, QUERIES.page, { get: true, variables: { slug: world.vendor.slug } }) },
    { name: 'vendorStatuses', run: () => call(url, QUERIES.vendorStatuses, customer) },
    { name: 'page POST', run: () => call(url, QUERIES.page, { variables: { slug: world.vendor.slug } }) },
  ];
  let running = true;
  const clients = [0, 1, 2, 3].map(async (i) => {
    let n = i;
    while (running) {
      const op = ops[n++ % ops.length]!;
      records.push({ op: op.name, ...(await op.run()) });
      await sleep(20);
    }
  });
  const logMark = server.logs.length;

  await sleep(3000);
  const tStop = Date.now();
  const stopMs = await stack.stopPostgres();
  const tStopped = Date.now();
  info(1, `PostgreSQL stopped (fast shutdown) in ${stopMs} ms; load continues`);
  await sleep(2500);
  const healthz = await getJson(`${server.base}/healthz`);
  const readyz = await getJson(`${server.base}/readyz`);
  await sleep(3500);
  const tRestart = Date.now();
  const startMs = await stack.startPostgres();
  const tBack = Date.now();
  info(1, `PostgreSQL restarted on the same data folder in ${startMs} ms`);
  let tRecovered = 0;
  while (Date.now() - tBack < 30_000) {
    const probe = await call(url, QUERIES.vendorStatuses, { ...customer, timeoutMs: 10_000 });
    if (probe.ok) {
      tRecovered = probe.endedAt;
      break;
    }
    await sleep(100);
  }
  await sleep(3000);
  running = false;
  await Promise.all(clients);

  const before = records.filter((r) => r.endedAt < tStop);
  const inFlightAtStop = records.filter((r) => r.startedAt < tStopped && r.endedAt >= tStop);
  const during = records.filter((r) => r.startedAt >= tStopped && r.endedAt <= tRestart);
  const outage = records.filter((r) => r.endedAt >= tStop && r.startedAt <= tRestart);
  const after = records.filter((r) => tRecovered > 0 && r.startedAt >= tRecovered + 1000);
  const maxDuring = Math.max(0, ...during.map((r) => r.ms));
  const maxOutage = Math.max(0, ...outage.map((r) => r.ms));
  measure('1. requests (before / outage / after recovery)', `${before.length} / ${outage.length} / ${after.length}`);
  measure('1. fail-fast latency during outage: p50 / p99 / max', `${percentile(during.map((r) => r.ms), 50)} / ${percentile(during.map((r) => r.ms), 99)} / ${maxDuring} ms`);
  measure('1. max latency of requests in flight at the stop', `${Math.max(0, ...inFlightAtStop.map((r) => r.ms))} ms (${inFlightAtStop.length} requests)`);
  measure('1. PostgreSQL stop / start time', `${stopMs} / ${startMs} ms`);
  measure('1. recovery after PostgreSQL is back', tRecovered ? `${tRecovered - tBack} ms` : 'never (30 s)');

  check(1, 'baseline: every request succeeded before the stop', before.length > 0 && before.every((r) => r.ok), `${before.length} requests: ${codes(before)}`);
  check(1, `requests during the outage fail fast (max latency <= ${FAIL_FAST_MS} ms)`, during.length > 0 && maxOutage <= FAIL_FAST_MS, `${during.length} started while down, max ${maxDuring} ms; incl. in flight at the stop: max ${maxOutage} ms`);
  const uncoded = outage.filter((r) => !coded(r));
  check(1, 'every failure during the outage is coded SERVICE_UNAVAILABLE, never a hang, a crash or a masked INTERNAL_SERVER_ERROR', uncoded.length === 0, `outage answers: ${codes(outage)}`);
  if (uncoded.length) {
    const byOp = new Map<string, string>();
    for (const r of uncoded) byOp.set(`${r.op}: ${r.status} ${r.code}`, r.text.slice(0, 160));
    for (const [k, text] of byOp) info(1, `uncoded failure ${k} -> ${text}`);
    const lines = errorLines(server, logMark);
    info(1, `server error log lines during the outage: ${lines.length}, distinct:`);
    for (const l of errorSummary(server, logMark).slice(0, 8)) info(1, `  ${l.slice(0, 300)}`);
    findings.push(`fault 1: during a PostgreSQL outage some requests answer ${[...new Set(uncoded.map((r) => `${r.status} ${r.code}`))].join(', ')} instead of 503 SERVICE_UNAVAILABLE (${[...new Set(uncoded.map((r) => r.op))].join(', ')}). Log: ${lines[0]?.slice(0, 300) ?? '-'}`);
  }
  check(1, 'the server process stayed up, /healthz 200 and /readyz 503 while PostgreSQL was down', server.isRunning() && healthz.status === 200 && readyz.status === 503, `healthz ${healthz.status} in ${healthz.ms} ms, readyz ${readyz.status} in ${readyz.ms} ms: ${JSON.stringify(readyz.body).slice(0, 160)}`);
  check(1, `the server answers successfully within ${RECOVERY_MS} ms of PostgreSQL's return`, tRecovered > 0 && tRecovered - tBack <= RECOVERY_MS, tRecovered ? `${tRecovered - tBack} ms` : 'no success within 30 s');
  check(1, 'after recovery every request succeeds again', after.length > 0 && after.every((r) => r.ok), `${after.length} requests: ${codes(after)}`);
  const ready = await getJson(`${server.base}/readyz`);
  check(1, '/readyz is 200 again', ready.status === 200, JSON.stringify(ready.body).slice(0, 120));

  const { rows } = await stack.ownerPool().query(`SELECT id FROM attestations WHERE id = ANY($1::uuid[])`, [acked.map((a) => a.id)]);
  const found = new Set(rows.map((r: { id: string }) => r.id));
  const lost = acked.filter((a) => !found.has(a.id));
  check(1, 'every acknowledged write is still there (queried by id)', acked.length > 0 && lost.length === 0, `${acked.length} acknowledged, ${lost.length} missing${lost.length ? `: ${lost.slice(0, 3).map((l) => l.id).join(', ')}` : ''}`);
  const viaApi = await Promise.all(acked.slice(-5).map((a) => call(url, QUERIES.attestationById, { ...vendor, variables: { id: a.id } })));
  check(1, 'the last acknowledged writes read back through the API', viaApi.every((r, i) => r.ok && r.data!.attestation?.id === acked.slice(-5)[i]!.id), `${viaApi.length} read`);

  // The writes whose answer was an error: retried with the same Idempotency-Key, none may exist twice.
  const retried = await Promise.all(unacked.map(async (u) => ({ u, a: await call(url, QUERIES.createAttestation, { ...vendor, variables: u.variables, headers: { 'idempotency-key': u.key } }) })));
  const counts = unacked.length
    ? (await stack.ownerPool().query(`SELECT title, count(*)::int AS n FROM attestations WHERE org_id = $1 AND title = ANY($2) GROUP BY title`, [world.vendor.id, unacked.map((u) => u.title)])).rows as { title: string; n: number }[]
    : [];
  const duplicates = counts.filter((c) => c.n > 1);
  const retriedOk = retried.filter((r) => r.a.ok).length;
  const inProgress = retried.filter((r) => r.a.code === 'IDEMPOTENCY_KEY_IN_PROGRESS').length;
  check(1, 'failed writes retried with their Idempotency-Key: no duplicates', duplicates.length === 0, `${unacked.length} retried: ${codes(retried.map((r) => r.a))}; ${duplicates.length} titles stored twice`);
  if (inProgress > 0) {
    info(1, `${inProgress} idempotency keys stayed IN_PROGRESS after the outage (409 until they go stale after 60 s): the claim committed, then neither completing nor releasing it could reach PostgreSQL`);
  }
  measure('1. writes acknowledged / failed (retried ok)', `${acked.length} / ${unacked.length} (${retriedOk} ok, ${inProgress} in progress)`);
}

/* ------------------------------------------------------------------------------------------------------------ 2 */
async function s3Unreachable(stack: Stack, server: ServerProcess, world: World): Promise<void> {
  section('2. S3 unreachable');
  const customer = { token: world.customer.token, org: world.customer.slug };
  const downloads = async (): Promise<number> => (await stack.ownerPool().query(`SELECT count(*)::int AS n FROM download_events WHERE org_id = $1`, [world.vendor.id])).rows[0].n;
  const download = (documentId: string): Promise<Answer> => call(server.url, QUERIES.download, { ...customer, variables: { d: documentId } });

  const warm = await download(world.restrictedDocumentId);
  check(2, 'baseline: the granted customer downloads the restricted PDF', warm.ok && !!warm.data!.requestDocumentDownload.download, codes([warm]));
  await stack.stopS3();
  const before = await downloads();
  const refused = await download(world.restrictedDocumentId);
  const after = await downloads();
  measure('2. download answer while S3 is down', `${refused.status} ${refused.code} in ${refused.ms} ms`);
  check(2, 'requestDocumentDownload answers SERVICE_UNAVAILABLE while S3 is down', refused.code === 'SERVICE_UNAVAILABLE' && refused.ms <= FAIL_FAST_MS, `${refused.status} ${refused.code} in ${refused.ms} ms: ${refused.errors?.[0]?.message ?? ''}`);
  check(2, 'no download_events row was recorded', after === before, `${before} before, ${after} after`);
  const readyz = await getJson(`${server.base}/readyz`);
  check(2, '/readyz is 503 naming storage', readyz.status === 503 && /"storage":"unavailable/.test(JSON.stringify(readyz.body)), `${readyz.status}: ${JSON.stringify(readyz.body).slice(0, 160)}`);
  // A PUBLIC file needs no watermark: the presigned URL is computed without calling S3.
  const publicBefore = await downloads();
  const publicDuring = await download(world.publicDocumentId);
  const publicAfter = await downloads();
  info(2, `a PUBLIC document while S3 is down: ${publicDuring.ok ? '200, a URL' : `${publicDuring.status} ${publicDuring.code}`}; download_events ${publicBefore} -> ${publicAfter}${publicDuring.ok ? ' (the URL cannot work until S3 returns: presigning is offline)' : ''}`);
  if (publicDuring.ok && publicAfter > publicBefore) {
    findings.push('fault 2: while S3 is down, requestDocumentDownload of a PUBLIC document (or a member downloading an original) still answers a presigned URL and records a download_events row + audit event, because presigning needs no S3 call; the recipient gets a URL that fails. The restricted (watermarked) path answers SERVICE_UNAVAILABLE and records nothing.');
  }

  const t0 = Date.now();
  await stack.startS3();
  let back: Answer | null = null;
  while (Date.now() - t0 < 15_000) {
    back = await download(world.restrictedDocumentId);
    if (back.ok && back.data!.requestDocumentDownload.download) break;
    await sleep(100);
  }
  const recoveredMs = Date.now() - t0;
  const file = back?.ok ? await fetch(back.data!.requestDocumentDownload.download.url) : null;
  const bytes = file ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0);
  measure('2. downloads work again after S3 restart', `${recoveredMs} ms`);
  check(2, 'after S3 returns, the download works and the file is served', !!back?.ok && file?.status === 200 && bytes.subarray(0, 5).toString() === '%PDF-', `${back ? codes([back]) : 'no answer'}, file HTTP ${file?.status ?? '-'}, ${bytes.length} bytes, ${recoveredMs} ms`);
  check(2, 'that download is recorded once', (await downloads()) === publicAfter + 1, `${await downloads()} rows`);
}

/* ------------------------------------------------------------------------------------------------------------ 3 */
async function poolExhausted(stack: Stack, world: World): Promise<void> {
  section('3. Connection pool exhausted (DB_POOL_MAX=2)');
  const server = await stack.startServer({ ...limitEnv, DB_POOL_MAX: '2', WORKER_ENABLED: 'false' });
  try {
    const logMark = server.logs.length;
    const warm = await call(server.url, QUERIES.vendorStatuses, { token: world.customer.token, org: world.customer.slug });
    check(3, 'baseline: the pool-of-2 server answers', warm.ok, codes([warm]));
    // Two slow requests: public page reads that wait on a table lock held from outside, each holding one of the two connections.
    const lock = await lockTables(stack, ['trust_centers']);
    const holders = [0, 1].map(() => call(server.url, QUERIES.page, { variables: { slug: world.vendor.slug }, timeoutMs: 30_000 }));
    const waiting = await waitingOnLocks(stack, 2);
    check(3, 'both pooled connections are busy (waiting on the lock)', waiting >= 2, `${waiting} app connections waiting on a lock`);
    const t0 = Date.now();
    const waiters = await Promise.all([0, 1, 2, 3].map((i) =>
      i % 2 === 0
        ? call(server.url, QUERIES.vendorStatuses, { token: world.customer.token, org: world.customer.slug, timeoutMs: 30_000 })
        : call(server.url, QUERIES.page, { variables: { slug: world.vendor.slug }, timeoutMs: 30_000 })));
    const waitedMs = Date.now() - t0;
    await lock.release();
    const held = await Promise.all(holders);
    const maxWait = Math.max(...waiters.map((w) => w.ms));
    measure('3. requests beyond the pool: wait, answer', `max ${maxWait} ms (${waiters.length} requests): ${codes(waiters)}`);
    check(3, 'requests beyond the pool wait a bounded time (connectionTimeoutMillis 5000, < 8 s)', maxWait < 8000 && waitedMs < 8000, `latencies ${waiters.map((w) => w.ms).join(', ')} ms`);
    const uncoded = waiters.filter((w) => !coded(w));
    check(3, 'and then fail with the code SERVICE_UNAVAILABLE', uncoded.length === 0, codes(waiters));
    if (uncoded.length) {
      const lines = errorLines(server, logMark);
      for (const l of lines.slice(0, 2)) info(3, `server log: ${l.slice(0, 500)}`);
      findings.push(`fault 3: with the pool exhausted, requests beyond it answer ${[...new Set(uncoded.map((w) => `${w.status} ${w.code}`))].join(', ')} after ~${maxWait} ms instead of 503 SERVICE_UNAVAILABLE. Log: ${lines[0]?.slice(0, 400) ?? '-'}`);
    }
    check(3, 'the two slow requests complete once the lock is released', held.every((h) => h.ok), codes(held));
    const afterwards = await call(server.url, QUERIES.vendorStatuses, { token: world.customer.token, org: world.customer.slug });
    check(3, 'the server answers normally afterwards', afterwards.ok && server.isRunning(), codes([afterwards]));
  } finally {
    await server.stop();
  }
}

/* ------------------------------------------------------------------------------------------------------------ 4 */
function connectRefused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function freshHttpGet(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 3000 }, (res) => {
      res.resume();
      resolve(`HTTP ${res.statusCode}`);
    });
    req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.once('timeout', () => req.destroy(new Error('TIMEOUT')));
  });
}

/** A POST through a given agent (fault 4 controls its keep-alive connections, as a load balancer would keep them). */
function postVia(agent: http.Agent, url: string, query: string, options: { variables?: Record<string, unknown>; token?: string; org?: string }): Promise<Answer> {
  const startedAt = Date.now();
  const body = JSON.stringify({ query, variables: options.variables });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.org) headers['x-org'] = options.org;
  return new Promise((resolve) => {
    const done = (status: number, text: string, code: string | null): void => {
      const endedAt = Date.now();
      let parsed: { data?: Answer['data']; errors?: Answer['errors'] } | null = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      const errors = parsed?.errors;
      const data = parsed?.data ?? null;
      resolve({ ok: status === 200 && !errors?.length && data !== null, status, ms: endedAt - startedAt, startedAt, endedAt, data, errors, text,
        code: code ?? (parsed === null ? `HTTP_${status}` : (errors?.[0]?.extensions?.code ?? (errors?.length ? 'NO_CODE' : null))) });
    };
    const req = http.request(url, { method: 'POST', agent, headers, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => done(res.statusCode ?? 0, text, null));
    });
    req.once('error', (error: NodeJS.ErrnoException) => done(0, '', `NETWORK:${error.code ?? error.message}`));
    req.once('timeout', () => req.destroy(Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' })));
    req.end(body);
  });
}

async function sigtermUnderLoad(stack: Stack, world: World): Promise<void> {
  section('4. SIGTERM under load');
  const server = await stack.startServer(limitEnv);
  const N = 6;
  const vendor = { token: world.vendor.token, org: world.vendor.slug };
  // Clients that keep their connections open after an answer (HTTP keep-alive), like a load balancer or any SDK.
  const agent = new http.Agent({ keepAlive: true, maxSockets: N });
  const lock = await lockTables(stack, ['trust_centers', 'attestations']);
  let released = false;
  try {
    // N slow requests (reads and writes waiting on locks held from outside), in flight when the signal arrives.
    const inFlight = Array.from({ length: N }, (_, i) =>
      i % 2 === 0
        ? postVia(agent, server.url, QUERIES.page, { variables: { slug: world.vendor.slug } })
        : postVia(agent, server.url, QUERIES.createAttestation, { ...vendor, variables: { i: attestationInput(`sigterm-${randomUUID()}`) } }));
    const waiting = await waitingOnLocks(stack, N);
    check(4, `${N} requests are in flight (waiting in PostgreSQL)`, waiting >= N, `${waiting} waiting`);
    const tSignal = Date.now();
    server.proc.kill('SIGTERM');
    await sleep(500);
    const tcp = await connectRefused(server.port);
    const httpNew = await freshHttpGet(`${server.base}/healthz`);
    check(4, 'new connections are refused after SIGTERM (in-flight requests still running)', tcp === 'ECONNREFUSED' && httpNew === 'ECONNREFUSED', `TCP connect: ${tcp}; new HTTP request: ${httpNew}`);
    check(4, 'the process is still running while requests are in flight', server.isRunning(), '');
    await sleep(1000);
    const tRelease = Date.now();
    await lock.release();
    released = true;
    const answers = await Promise.all(inFlight);
    const tAnswered = Date.now();
    check(4, 'every in-flight request completed with 200 and data', answers.every((a) => a.ok), codes(answers));
    const idleSockets = Object.values(agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);
    measure('4. in-flight requests completed after the lock release', `${tAnswered - tRelease} ms (${N} requests, ${codes(answers)})`);
    let exit = await Promise.race([server.exited, sleep(5000).then(() => null)]);
    if (exit) {
      measure('4. exit after SIGTERM / after the last answer', `${exit.at - tSignal} ms / ${exit.at - tAnswered} ms, code ${exit.code}`);
      check(4, 'the process exits 0 within 5 s of the last in-flight answer (clients keeping their connections open)', exit.code === 0, `code ${exit.code} signal ${exit.signal}, ${exit.at - tAnswered} ms after the last answer, ${exit.at - tSignal} ms after SIGTERM`);
    } else {
      check(4, 'the process exits 0 within 5 s of the last in-flight answer (clients keeping their connections open)', false, `still running 5 s after the last answer; the clients hold ${idleSockets} idle keep-alive connections`);
      const tClosed = Date.now();
      agent.destroy(); // the clients hang up: does the shutdown finish now?
      exit = await Promise.race([server.exited, sleep(15_000).then(() => null)]);
      const detail = exit ? `exited ${exit.at - tClosed} ms after the clients closed their connections (code ${exit.code}, ${exit.at - tSignal} ms after SIGTERM)` : 'still running 15 s after the clients closed their connections';
      info(4, detail);
      measure('4. exit after SIGTERM / after the clients hung up', exit ? `${exit.at - tSignal} ms / ${exit.at - tClosed} ms, code ${exit.code}` : 'no exit');
      findings.push(`fault 4: after SIGTERM, in-flight requests complete, but the process does not exit while clients keep idle keep-alive connections open (server keepAliveTimeout 65 s, advertised as Keep-Alive: timeout=65): server.close() waits for them; ${detail}. Without clients hanging up, the 15 s force timer exits with code 1.`);
    }
    const shutdownErrors = errorLines(server);
    if (shutdownErrors.length) info(4, `error lines while shutting down: ${shutdownErrors.slice(0, 2).map((l) => l.slice(0, 300)).join(' | ')}`);
  } finally {
    agent.destroy();
    if (!released) await lock.release().catch(() => undefined);
    await server.stop(3000);
  }
}

/* ------------------------------------------------------------------------------------------------------------ main */
runWithStack('faults', async (stack) => {
  const started = Date.now();
  process.stdout.write(`faults: temporary folder ${stack.dir}; rate limits ${limitsOff ? 'off' : 'on (high)'}\n`);
  await stack.start();
  process.stdout.write(`faults: embedded PostgreSQL and S3 up, migrated (${Date.now() - started} ms)\n`);
  const server = await stack.startServer(limitEnv);
  process.stdout.write(`faults: server pid ${server.pid} on ${server.url}\n`);
  const world = await seedWorld(server.url);
  process.stdout.write(`faults: seeded vendor ${world.vendor.slug} and customer ${world.customer.slug}\n`);
  if (only.has(1)) await postgresStopped(stack, server, world);
  if (only.has(2)) await s3Unreachable(stack, server, world);
  await server.stop();
  if (only.has(3)) await poolExhausted(stack, world);
  if (only.has(4)) await sigtermUnderLoad(stack, world);

  const failed = checks.filter((c) => !c.pass);
  section('Summary');
  const width = Math.max(...measured.map(([k]) => k.length));
  for (const [k, v] of measured) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
  process.stdout.write(`\n  checks: ${checks.length - failed.length} passed, ${failed.length} failed (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  for (const c of failed) process.stdout.write(`  FAIL [${c.fault}] ${c.name}\n`);
  if (findings.length) {
    process.stdout.write(`\n  findings:\n`);
    for (const f of findings) process.stdout.write(`  - ${f}\n`);
  }
  return failed.length ? 1 : 0;
}, args.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined);
