import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { JwtConfig } from '../../src/config/config';
import { ensureDatabase, migrate } from '../../src/db/bootstrap';
import { appRoleUrl } from '../../src/db/data-source';
import { freePort, startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { signDevToken } from '../../src/modules/auth/jwt';
import { Storage } from '../../src/modules/storage/storage';
import { budgetedNodeArgs, HEAP_PLAN } from '../../src/runtime/heap';
import type { CapturedStatement } from './capture-hook';
import { buildDataset, plannedRows, type BenchDataset, type DatasetSpec } from './dataset';
import { profileStatements, runHttp, runReplay, type LoadResult, type StatementProfile } from './load';
import { cleanupAll, cpuMs, wasInterrupted, installExitHandlers, onCleanup, peakRssMb, postgresCpuDelta, postgresCpuMs, registerTempDir, resetPeakRss, spawnNode, type NodeChild } from './processes';
import { log } from './progress';
import { evaluateTargets, writeReport, type BenchReport, type ScenarioRow, type SizeReport } from './report';
import { buildScenarios, validBody, VERIFY_AUDIT, type HttpRequest, type Scenario, type ScenarioId } from './scenarios';

/**
 * `npm run bench [-- --quick] [--sizes=small,large] [--duration=15] [--warmup=3] [--connections=10] [--scenarios=a,b]`
 *
 * For each data set: a fresh database (DATABASE_URL's server, or an embedded PostgreSQL), the data set, a capture run
 * of the server (one request per scenario, statements recorded), the measured run of the server in its production
 * configuration (child process), then the baselines with the server stopped. Results go to test/bench/results/.
 */
interface Options {
  mode: 'quick' | 'full';
  sizes: ('small' | 'large')[];
  durationSec: number;
  warmupSec: number;
  connections: number;
  scenarios: ScenarioId[] | null;
  logLevel: string;
}

function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument "${arg}" (try --quick, --sizes=small,large, --duration=15, --warmup=3, --connections=10, --scenarios=a,b,c,d)`);
    flags.set(match[1]!, match[2] ?? 'true');
  }
  const known = new Set(['quick', 'sizes', 'duration', 'warmup', 'connections', 'scenarios', 'log-level']);
  for (const key of flags.keys()) if (!known.has(key)) throw new Error(`unknown option --${key}`);
  const quick = flags.get('quick') === 'true';
  const num = (key: string, fallback: number, min: number, max: number): number => {
    const raw = flags.get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${key} must be a number from ${min} to ${max}`);
    return n;
  };
  const sizes = (flags.get('sizes') ?? (quick ? 'small' : 'small,large')).split(',').map((s) => s.trim());
  for (const s of sizes) if (s !== 'small' && s !== 'large') throw new Error(`--sizes: unknown data set "${s}" (small, large)`);
  const scenarioList = flags.get('scenarios')?.split(',').map((s) => s.trim()) as ScenarioId[] | undefined;
  return {
    mode: quick ? 'quick' : 'full',
    sizes: sizes as ('small' | 'large')[],
    durationSec: num('duration', quick ? 5 : 15, 1, 600),
    warmupSec: num('warmup', quick ? 2 : 3, 1, 120),
    connections: num('connections', 10, 1, 200),
    scenarios: scenarioList ?? null,
    logLevel: flags.get('log-level') ?? 'info',
  };
}

function specFor(name: 'small' | 'large', options: Options): DatasetSpec {
  // Enough distinct requests for the scenarios that can send each one once, at rates well above what 2 cores reach.
  const seconds = options.durationSec + options.warmupSec;
  const common = { watches: 500, mixOnPlatform: 100, bigWatches: 5000, grantVendors: 20, accessRequestPairs: seconds * 1500 + 100, watermarkUsers: seconds * 400 + 20, backgroundWatermarkUsers: seconds * 20 + 100, largePdfMb: 10, auditEventsPerVendor: 100 };
  return name === 'small' ? { name, vendors: 100, ...common } : { name, vendors: 10_000, ...common };
}

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const RESULTS_DIR = path.join(REPO_ROOT, 'test', 'bench', 'results');
const SERVER_ENTRY = path.join(REPO_ROOT, 'dist', 'src', 'main.js');
const PRELOAD = path.join(__dirname, 'capture-hook.js');
/**
 * The server runs as `npm start` and the Docker image run it (dist/src/start.js): with the memory budget's flags
 * (src/runtime/heap.ts), given here directly so the measured pid is the server's on every Node version. Flags in
 * BENCH_SERVER_NODE_ARGS or NODE_OPTIONS win, as an operator's do.
 */
const serverHeap = budgetedNodeArgs((process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean));
const BUCKET = 'trust-portal-bench';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Infra {
  tmp: string;
  adminUrl: string;
  databaseLabel: string;
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string };
  storage: Storage;
  jwt: JwtConfig;
}

async function startInfra(): Promise<Infra> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'trust-portal-bench-'));
  chmodSync(tmp, 0o711); // the embedded server runs as the postgres user when we are root
  registerTempDir(tmp);
  let adminUrl = process.env.DATABASE_URL;
  let databaseLabel = 'DATABASE_URL (a fresh database per data set, dropped afterwards)';
  if (!adminUrl) {
    log(`starting embedded PostgreSQL in ${tmp}`);
    const embedded = await startEmbeddedPostgres({ databaseDir: path.join(tmp, 'pg'), password: randomBytes(16).toString('hex'), persistent: false });
    onCleanup('embedded PostgreSQL', () => embedded.stop());
    adminUrl = embedded.adminUrl;
    databaseLabel = 'embedded (temporary cluster, default settings)';
  }
  const s3Child = spawnNode('s3', path.join(__dirname, 's3-server.js'), { args: [path.join(tmp, 's3'), BUCKET], env: baseEnv(), logDir: tmp });
  const s3 = (await s3Child.firstMessage(30_000)) as Infra['s3'];
  log(`embedded S3 at ${s3.endpoint} (pid ${s3Child.pid})`);
  const storage = new Storage({ endpoint: s3.endpoint, bucket: BUCKET, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true, uploadUrlTtlSeconds: 900, downloadUrlTtlSeconds: 300 });
  onCleanup('storage client', async () => storage.close());
  const jwt: JwtConfig = { algorithm: 'HS256', secret: randomBytes(48).toString('base64url'), issuer: 'trust-portal-bench', audience: 'trust-portal', clockToleranceSeconds: 30 };
  return { tmp, adminUrl, databaseLabel, s3, storage, jwt };
}

/** Only what a server needs from our environment; everything else is set explicitly. */
function baseEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

interface RunningServer {
  child: NodeChild;
  baseUrl: string;
}

async function startServer(infra: Infra, db: { ownerUrl: string; appPassword: string }, options: Options, label: string, captureFile: string | null): Promise<RunningServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: path.join(infra.tmp, 'data'),
    DATABASE_URL: db.ownerUrl,
    APP_DB_PASSWORD: db.appPassword,
    JWT_SECRET: infra.jwt.secret,
    JWT_ISSUER: infra.jwt.issuer,
    JWT_AUDIENCE: infra.jwt.audience,
    S3_ENDPOINT: infra.s3.endpoint,
    S3_BUCKET: BUCKET,
    S3_ACCESS_KEY_ID: infra.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: infra.s3.secretAccessKey,
    // Raised, not off: the limiter's upserts are part of every request in production.
    RATE_LIMIT_PER_PRINCIPAL: '1000000',
    RATE_LIMIT_PER_IP: '1000000',
    LOG_LEVEL: options.logLevel,
    // The capture run has no job worker: its polling would mix into the statements of a request.
    WORKER_ENABLED: captureFile ? 'false' : 'true',
    ...(captureFile ? { TP_BENCH_CAPTURE_FILE: captureFile } : {}),
  };
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the measured server.
  const child = spawnNode(label, SERVER_ENTRY, { env: { ...env, [HEAP_PLAN]: serverHeap.reason }, preload: [PRELOAD], logDir: infra.tmp, nodeArgs: serverHeap.args });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  let exited = false;
  child.process.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${label} exited during start; its log:\n${child.tail()}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${label} not ready within 90 s; its log:\n${child.tail()}`);
    await sleep(200);
  }
  return { child, baseUrl };
}

async function send(baseUrl: string, request: HttpRequest): Promise<{ status: number; body: string }> {
  const res = await fetch(baseUrl + request.path, { method: request.method, headers: request.headers, body: request.body });
  return { status: res.status, body: await res.text() };
}

/**
 * A scenario's background work: `concurrency` requests in flight until stop() (each waits for its answer, then the
 * next starts), every answer checked. Distinct requests come from `cursor`; the work stops early when they run out.
 */
function startBackground(baseUrl: string, background: NonNullable<Scenario['background']>, cursor: { next: number }) {
  let stopped = false;
  const stats = { completed: 0, failed: 0, totalMs: 0, sample: null as string | null };
  const worker = async (): Promise<void> => {
    while (!stopped && cursor.next < background.capacity) {
      const i = cursor.next++;
      const started = performance.now();
      try {
        const { status, body } = await send(baseUrl, background.request(i));
        if (status === 200 && validBody(body, background.expect)) {
          stats.completed += 1;
          stats.totalMs += performance.now() - started;
        } else {
          stats.failed += 1;
          stats.sample ??= `HTTP ${status} ${body.slice(0, 300)}`;
        }
      } catch (error) {
        stats.failed += 1;
        stats.sample ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  const workers = Array.from({ length: background.concurrency }, () => worker());
  return {
    stats,
    /** Stops starting new requests and waits for those in flight. */
    async stop(): Promise<typeof stats> {
      stopped = true;
      await Promise.all(workers);
      return stats;
    },
  };
}

/**
 * The data set writes the watchlists behind the app's back, so their stored statuses (vendorStatuses' index, issue 16
 * item 4) are all unusable, as after a migration. In service they are brought up to date after every change and by
 * the daily sweep; here one policy write per customer does it through the app's own path (setRequirementPolicy with
 * nothing changed: the write unsettles every row, the status recording that follows rewrites them).
 */
async function refreshWatchlists(server: RunningServer, data: BenchDataset, tokens: { buyer: string; mixBuyer: string; bigBuyer: string }): Promise<void> {
  const started = Date.now();
  for (const [customer, token] of [[data.customer, tokens.buyer], [data.mixCustomer, tokens.mixBuyer], [data.bigCustomer, tokens.bigBuyer]] as const) {
    const { status, body } = await send(server.baseUrl, {
      method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-org': customer.slug },
      body: JSON.stringify({ query: 'mutation { setRequirementPolicy(input: {}) { errors { code message } } }' }),
    });
    if (status !== 200 || !validBody(body, /"setRequirementPolicy":\{"errors":\[\]\}/)) throw new Error(`refreshing the stored statuses of ${customer.slug} failed: HTTP ${status} ${body.slice(0, 400)}`);
  }
  log(`stored watchlist statuses refreshed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

interface Capture {
  sequences: CapturedStatement[][];
  /** Of the last captured request (the steady state for repeatable reads). */
  statements: number;
  transactions: number;
  /** Of the first captured request, when it differs (a cache miss before the hits). */
  coldStatements: number | null;
}

/** One request at a time against the capture server; each request's statements are what it appended to the file. */
async function capture(server: RunningServer, file: string, scenarios: Scenario[], cursors: Map<ScenarioId, number>): Promise<Map<ScenarioId, Capture>> {
  const captures = new Map<ScenarioId, Capture>();
  for (const scenario of scenarios) {
    const sequences: CapturedStatement[][] = [];
    for (let k = 0; k < scenario.captures; k++) {
      const i = cursors.get(scenario.id)!;
      cursors.set(scenario.id, i + 1);
      const before = existsSync(file) ? statSync(file).size : 0;
      const { status, body } = await send(server.baseUrl, scenario.request(i));
      if (status !== 200 || !validBody(body, scenario.expect)) throw new Error(`preflight of ${scenario.id} failed: HTTP ${status} ${body.slice(0, 600)}`);
      await sleep(25);
      const appended = readFileSync(file).subarray(before).toString('utf8');
      const statements = appended.split('\n').filter(Boolean).map((line) => JSON.parse(line) as CapturedStatement)
        // The limiter's occasional cleanup (one request in a thousand) is not part of a request's work.
        .filter((s) => !/^\s*DELETE FROM rate_limit_windows/i.test(s.text));
      sequences.push(statements);
    }
    const first = sequences[0]!;
    // Repeatable reads: the last capture is the steady state (a cache may have answered it). Otherwise every capture
    // is a first-time request and the first is representative.
    const steady = scenario.capacity === Infinity && !scenario.writes ? sequences[sequences.length - 1]! : first;
    const transactions = steady.filter((s) => /^\s*(START TRANSACTION|BEGIN)\b/i.test(s.text)).length;
    const cold = steady.length !== first.length ? first.length : null;
    // The replay repeats the steady-state request (for reads), every captured one (for writes).
    captures.set(scenario.id, { sequences: scenario.writes ? sequences : [steady], statements: steady.length, transactions, coldStatements: cold });
    log(`  ${scenario.id}: ${steady.length} SQL statements per request (${transactions} transactions)${cold !== null ? `; the first request ran ${cold}` : ''}${scenario.writes ? `, ${sequences.length} requests captured for the replay` : ''}`);
  }
  return captures;
}

function remaining(scenario: Scenario, cursors: Map<ScenarioId, number>, connections: number): number {
  return scenario.capacity === Infinity ? Infinity : scenario.capacity - cursors.get(scenario.id)! - 2 * connections;
}

async function drive(server: RunningServer, scenario: Scenario, cursors: Map<ScenarioId, number>, options: Options, durationSec: number, onBody?: (body: string) => void): Promise<LoadResult> {
  const left = remaining(scenario, cursors, options.connections);
  if (left < options.connections * 2) throw new Error(`${scenario.id}: no distinct requests left (capacity ${scenario.capacity})`);
  return runHttp({
    baseUrl: server.baseUrl,
    connections: options.connections,
    durationSec,
    maxRequests: left === Infinity ? undefined : left,
    next: () => {
      const i = cursors.get(scenario.id)!;
      cursors.set(scenario.id, i + 1);
      return scenario.request(i);
    },
    verify: (body) => validBody(body, scenario.expect),
    onBody,
  });
}

/**
 * Waits until the app role has no active statement in this database: requests still running when a load run ended
 * (autocannon stops sending, the server finishes them) must not overlap the next scenario.
 */
async function settle(monitor: pg.Client, next: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    const { rows } = await monitor.query(`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND usename = 'trust_portal_app' AND state = 'active' AND pid <> pg_backend_pid()`);
    if (rows[0].n === 0) break;
    if (Date.now() - started > 120_000) {
      log(`still ${rows[0].n} active statements after 120 s; starting ${next} anyway`);
      break;
    }
    await sleep(200);
  }
  const waited = Date.now() - started;
  if (waited > 1000) log(`waited ${(waited / 1000).toFixed(1)} s for the previous scenario's requests to finish`);
}

const failureText = (r: LoadResult): string =>
  r.requests === 0 && r.failures.errors + r.failures.timeouts === 0 ? 'no response completed within the run (requests slower than its duration?)' :
  `${r.requests} responses, ${r.failures.non2xx} non-200, ${r.failures.mismatches} invalid bodies, ${r.failures.errors} socket errors, ${r.failures.timeouts} timeouts` +
  (r.sample ? `; first bad body: ${r.sample.slice(0, 300)}` : '');

async function createDatabase(adminUrl: string, name: string): Promise<{ ownerUrl: string; appUrl: string; appPassword: string; drop: () => Promise<void> }> {
  const ownerUrl = await ensureDatabase(adminUrl, name);
  const appPassword = randomBytes(16).toString('hex');
  await migrate(ownerUrl, appPassword);
  const drop = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: adminUrl });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  return { ownerUrl, appUrl: appRoleUrl(ownerUrl, appPassword), appPassword, drop };
}

async function benchSize(infra: Infra, name: 'small' | 'large', options: Options): Promise<SizeReport> {
  const spec = specFor(name, options);
  const plan = plannedRows(spec);
  log(`=== ${name}: ${plan.vendors} vendors, ${plan.attestations} attestations, ${plan.documents} documents, ${plan.auditEvents} audit events, ${plan.watches} watched vendors`);
  const dbName = `tp_bench_${name}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const db = await createDatabase(infra.adminUrl, dbName);
  const undoDrop = onCleanup(`drop ${dbName}`, db.drop);
  log(`${name}: database ${dbName} migrated`);
  const data: BenchDataset = await buildDataset(db.ownerUrl, spec, infra.storage);
  log(`${name}: data set built in ${data.buildSeconds} s`);

  const ttl = 6 * 3600;
  const token = (u: { subject: string; email: string }): string => signDevToken(infra.jwt, u, ttl);
  const tokens = {
    buyer: token(data.customer.buyer), mixBuyer: token(data.mixCustomer.buyer), bigBuyer: token(data.bigCustomer.buyer), watermarkUsers: data.watermarkUsers.map(token),
    backgroundWatermarkUsers: data.backgroundWatermarkUsers.map(token), requesters: data.requesters.map(token),
  };
  const all = buildScenarios(data, tokens, options.connections);
  const scenarios = options.scenarios ? all.filter((s) => options.scenarios!.includes(s.id)) : all;
  const cursors = new Map<ScenarioId, number>(scenarios.map((s) => [s.id, 0]));

  // 1. Capture: the statements of one request per scenario (and preflight: every scenario answers correctly).
  log(`${name}: capture run (server with the statement-capture hook, job worker off)`);
  const captureFile = path.join(infra.tmp, `capture-${name}.jsonl`);
  writeFileSync(captureFile, '');
  const captureServer = await startServer(infra, db, options, `server-capture-${name}`, captureFile);
  let captures: Map<ScenarioId, Capture>;
  let auditChainCheck: string;
  try {
    await refreshWatchlists(captureServer, data, tokens);
    captures = await capture(captureServer, captureFile, scenarios, cursors);
    const owner = data.firstVendorOwner;
    const check = await send(captureServer.baseUrl, { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', authorization: `Bearer ${token(owner)}`, 'x-org': owner.orgSlug }, body: JSON.stringify({ query: VERIFY_AUDIT }) });
    const verification = (JSON.parse(check.body) as { data?: { verifyAuditLog?: { valid: boolean; checkedEvents: number } } }).data?.verifyAuditLog;
    if (!verification?.valid || verification.checkedEvents < spec.auditEventsPerVendor) throw new Error(`the audit chain of ${owner.orgSlug} does not verify: ${check.body.slice(0, 400)}`);
    auditChainCheck = `verifyAuditLog on ${owner.orgSlug}: valid, ${verification.checkedEvents} events (${spec.auditEventsPerVendor} loaded + ${verification.checkedEvents - spec.auditEventsPerVendor} appended by the app)`;
    log(`${name}: ${auditChainCheck}`);
  } finally {
    await captureServer.child.stop();
  }

  // Where each request's database time goes (serial, one idle connection: no load yet).
  const profiles = new Map<ScenarioId, StatementProfile>();
  for (const scenario of scenarios) {
    const cap = captures.get(scenario.id)!;
    try {
      const profile = await profileStatements(db.appUrl, cap.sequences[0]!, scenario.writes, 3);
      profiles.set(scenario.id, profile);
      log(`  ${scenario.id}: ${profile.totalMs} ms of SQL per request run alone; slowest ${profile.slowest[0]?.ms ?? 0} ms: ${profile.slowest[0]?.text.slice(0, 100) ?? '-'}`);
    } catch (error) {
      log(`  ${scenario.id}: statement profile failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // 2. The measured server.
  log(`${name}: starting the server (NODE_ENV=production, child process)`);
  const server = await startServer(infra, db, options, `server-${name}`, null);
  log(`${name}: server pid ${server.child.pid} at ${server.baseUrl}`);
  const monitor = new pg.Client({ connectionString: db.ownerUrl, application_name: 'trust-portal-bench-monitor' });
  monitor.on('error', () => undefined);
  await monitor.connect();
  const rows: ScenarioRow[] = [];
  const kept: { body: string | null } = { body: null };
  const backgroundCursor = { next: 0 };
  try {
    for (const scenario of scenarios) {
      const cap = captures.get(scenario.id)!;
      const row: ScenarioRow = {
        id: scenario.id, title: scenario.title, run: null, failed: null, statementsPerRequest: cap.statements, transactionsPerRequest: cap.transactions, coldStatements: cap.coldStatements, sqlProfile: profiles.get(scenario.id) ?? null,
        peakRssMb: null, baseline: { name: scenario.baseline.kind === 'bare-http' ? 'bare node:http' : `SQL replay of ${scenario.baseline.of}`, result: null }, ratio: null, ratioTarget: scenario.ratioTarget,
        ratioMin: scenario.ratioMin ?? null,
        p99TargetMs: scenario.p99TargetMs ?? null, background: null,
      };
      rows.push(row);
      await settle(monitor, scenario.id);
      const background = scenario.background ? startBackground(server.baseUrl, scenario.background, backgroundCursor) : null;
      if (scenario.background) log(`${name}: ${scenario.id} background: ${scenario.background.concurrency} at a time, ${scenario.background.title}`);
      try {
        log(`${name}: ${scenario.id} warm-up ${options.warmupSec} s`);
        const warm = await drive(server, scenario, cursors, options, options.warmupSec, scenario.id === 'a' ? (b) => (kept.body ??= b) : undefined);
        if (!warm.ok) {
          row.failed = `warm-up: ${failureText(warm)}`;
          log(`${name}: ${scenario.id} FAILED in warm-up: ${row.failed}`);
          continue;
        }
        resetPeakRss(server.child.pid);
        log(`${name}: ${scenario.id} measuring ${options.durationSec} s, ${options.connections} connections`);
        const cpuBefore = { app: cpuMs(server.child.pid), postgres: postgresCpuMs() };
        const run = await drive(server, scenario, cursors, options, options.durationSec);
        run.cpu = cpuPerRequest(cpuBefore, { app: cpuMs(server.child.pid), postgres: postgresCpuMs() }, run.requests);
        row.peakRssMb = peakRssMb(server.child.pid);
        row.run = run;
        if (!run.ok) row.failed = failureText(run);
        log(`${name}: ${scenario.id} ${run.ok ? 'ok' : 'FAILED'}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, peak RSS ${row.peakRssMb} MB${cpuText(run)}${run.ok ? '' : ` (${row.failed})`}`);
      } catch (error) {
        row.failed = error instanceof Error ? error.message : String(error);
        log(`${name}: ${scenario.id} FAILED: ${row.failed}`);
      } finally {
        if (background && scenario.background) {
          const done = await background.stop();
          row.background = { title: scenario.background.title, concurrency: scenario.background.concurrency, completed: done.completed, failed: done.failed, meanMs: done.completed ? done.totalMs / done.completed : null, sample: done.sample };
          log(`${name}: ${scenario.id} background: ${done.completed} done, ${done.failed} failed${done.completed ? `, ${Math.round(done.totalMs / done.completed)} ms each on average` : ''}${done.sample ? ` (${done.sample})` : ''}`);
        }
      }
    }
  } finally {
    await monitor.end().catch(() => undefined);
    await server.child.stop();
  }

  // 3. Baselines, with the server stopped.
  const baselines: Record<string, LoadResult | null> = {};
  const needsBare = scenarios.some((s) => s.baseline.kind === 'bare-http');
  if (needsBare) {
    const hot = scenarios.find((s) => s.id === 'a') ?? all.find((s) => s.id === 'a')!;
    let body: string | null = kept.body;
    if (!body) {
      // (a) was not run or failed: take its bytes from one request to a fresh server.
      const tmpServer = await startServer(infra, db, options, `server-bytes-${name}`, null);
      try {
        body = (await send(tmpServer.baseUrl, hot.request(0))).body;
      } finally {
        await tmpServer.child.stop();
      }
    }
    const bytes = body;
    const bodyFile = path.join(infra.tmp, `a-body-${name}.json`);
    writeFileSync(bodyFile, bytes);
    const bare = spawnNode(`bare-${name}`, path.join(__dirname, 'bare-server.js'), { args: [bodyFile, 'application/json; charset=utf-8'], env: baseEnv(), logDir: infra.tmp });
    try {
      const { port } = (await bare.firstMessage(15_000)) as { port: number };
      const bareServer: RunningServer = { child: bare, baseUrl: `http://127.0.0.1:${port}` };
      const expect = (b: string): boolean => b.length === bytes.length;
      const request = hot.request(0);
      log(`${name}: baseline bare node:http (${Buffer.byteLength(bytes)} bytes), warm-up then ${options.durationSec} s`);
      await runHttp({ baseUrl: bareServer.baseUrl, connections: options.connections, durationSec: options.warmupSec, next: () => request, verify: expect });
      const result = await runHttp({ baseUrl: bareServer.baseUrl, connections: options.connections, durationSec: options.durationSec, next: () => request, verify: expect });
      baselines['bare-http'] = result;
      log(`${name}: bare node:http ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms`);
    } finally {
      await bare.stop();
    }
  }
  for (const of of [...new Set(scenarios.flatMap((s) => (s.baseline.kind === 'sql-replay' ? [s.baseline.of] : [])))]) {
    const source = scenarios.find((s) => s.id === of);
    const cap = captures.get(of);
    if (!source || !cap) continue;
    log(`${name}: baseline SQL replay of ${of} (${cap.statements} statements, ${cap.sequences.length} captured request(s)${source.writes ? (source.replayCommits ? ', transactions committed as the server does' : ', transactions rolled back') : ''}), warm-up then ${options.durationSec} s`);
    const load = { url: db.appUrl, connections: options.connections, sequences: cap.sequences, rollback: source.writes && !source.replayCommits };
    await runReplay({ ...load, durationSec: options.warmupSec });
    // Read while the replay's own connections are open: pool.end() ends their backends, and their CPU time with them.
    let cpuBefore: CpuReading = { app: null, postgres: null };
    let cpuAfter: CpuReading = { app: null, postgres: null };
    const probe = { start: () => { cpuBefore = { app: ownCpuMs(), postgres: postgresCpuMs() }; }, stop: () => { cpuAfter = { app: ownCpuMs(), postgres: postgresCpuMs() }; } };
    const result = await runReplay({ ...load, durationSec: options.durationSec, probe });
    result.cpu = cpuPerRequest(cpuBefore, cpuAfter, result.requests);
    baselines[`sql-replay:${of}`] = result;
    log(`${name}: SQL replay of ${of}: ${result.ok ? '' : 'FAILED '}${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms${cpuText(result)}${result.ok ? '' : ` (${result.failures.errors} errors: ${result.sample})`}`);
  }
  for (const row of rows) {
    const scenario = scenarios.find((s) => s.id === row.id)!;
    const key = scenario.baseline.kind === 'bare-http' ? 'bare-http' : `sql-replay:${scenario.baseline.of}`;
    const base = baselines[key] ?? null;
    row.baseline.result = base;
    if (row.run && !row.failed && base && base.ok) row.ratio = row.run.rps / base.rps;
  }

  await db.drop();
  undoDrop();
  return {
    name,
    dataset: { vendors: spec.vendors, rows: data.rows, buildSeconds: data.buildSeconds, hotSlug: data.hotSlug, watches: data.watches, mixWatches: data.mixWatches, bigWatches: data.bigWatches },
    auditChainCheck,
    scenarios: rows,
    baselines,
  };
}

async function main(): Promise<void> {
  installExitHandlers();
  // As main.ts does: the locked AWS SDK works on Node 20.19+, its multi-line notice adds nothing here.
  if (Number(process.versions.node.split('.')[0]) < 22) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run through "npm run bench" (it compiles first)`);
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = os.loadavg();
  log(`mode ${options.mode}: data sets ${options.sizes.join(', ')}; ${options.durationSec} s per scenario, ${options.warmupSec} s warm-up, ${options.connections} connections`);
  const infra = await startInfra();
  const sizes: SizeReport[] = [];
  for (const size of options.sizes) sizes.push(await benchSize(infra, size, options));
  const cpus = os.cpus();
  const report: BenchReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: options.mode,
    settings: { connections: options.connections, durationSec: options.durationSec, warmupSec: options.warmupSec, logLevel: options.logLevel, database: infra.databaseLabel, serverNodeArgs: serverHeap.args.join(' ') },
    machine: { cpus: cpus.length, cpuModel: cpus[0]?.model.trim() ?? 'unknown', memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.versions.node, platform: `${os.platform()} ${os.release()}`, loadAverageAtStart },
    sizes,
    targets: evaluateTargets(sizes),
    notes: [
      'Load generator (autocannon), server, PostgreSQL and S3 share this machine: numbers are comparable within a run, not across machines.',
      'Ratios: (a) family against a bare node:http server returning (a)\'s exact bytes; (b)-(d) against the same SQL statements replayed with pg at the same concurrency (writes rolled back, except (c)\'s, committed as the server does). Rows marked (info) have no target.',
      '(c) repeats downloads by one customer user over granted documents: the per-recipient watermark is made on the first download of the day and reused, so (c) measures checks + audit + S3 HEADs + presign; (c-wm) gives each request a new recipient, so each one watermarks (pdf-lib) and stores a copy.',
      'SQL statements per request include transaction control (START TRANSACTION / COMMIT); the number in parentheses is the number of transactions.',
      'Peak RSS is VmHWM of the server process, reset (clear_refs) before each measured scenario.',
      'CPU ms/req: CPU time (user + system, all threads, from /proc) over the measured seconds divided by the requests served: the server process and every PostgreSQL process for a scenario; the bench process (its pg client) and PostgreSQL for a replay. Far less noisy than req/s on this shared machine; the S3 server and the load generator are not counted.',
    ],
  };
  const { markdown, files } = writeReport(RESULTS_DIR, report);
  process.stdout.write('\n' + markdown + '\n');
  log(`results: ${files.map((f) => path.relative(REPO_ROOT, f)).join(', ')}`);
  const failed = sizes.flatMap((s) => s.scenarios.filter((r) => r.failed).map((r) => `${s.name}/${r.id}`));
  await cleanupAll();
  if (failed.length > 0) {
    log(`FAILED scenarios: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

mkdirSync(RESULTS_DIR, { recursive: true });
main().catch(async (error: unknown) => {
  if (wasInterrupted()) return; // the signal handler cleans up and exits
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await cleanupAll();
  process.exit(1);
});

type CpuReading = { app: number | null; postgres: Map<number, number> | null };

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function cpuPerRequest(before: CpuReading, after: CpuReading, requests: number): NonNullable<LoadResult['cpu']> {
  const per = (a: number | null, b: number | null): number | null => (a === null || b === null || requests === 0 ? null : Math.round(((b - a) / requests) * 100) / 100);
  return { appMsPerRequest: per(before.app, after.app), postgresMsPerRequest: per(0, postgresCpuDelta(before.postgres, after.postgres)) };
}

function cpuText(result: LoadResult): string {
  const cpu = result.cpu;
  return cpu && cpu.appMsPerRequest !== null ? `, CPU per request ${cpu.appMsPerRequest} ms here + ${cpu.postgresMsPerRequest ?? '?'} ms PostgreSQL` : '';
}
