import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase, migrate } from '../../src/db/bootstrap';
import { appRoleUrl } from '../../src/db/data-source';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/modules/storage/embedded-s3';
import { budgetedNodeArgs, HEAP_PLAN } from '../../src/runtime/heap';

/**
 * What `npm run faults` and `npm run soak` run against: an embedded PostgreSQL and an embedded S3 of their own (files in
 * one temporary folder, deleted at the end), the schema migrated, and the API as a child process started the way
 * production starts it (`node dist/src/main.js` with the memory budget `dist/src/start.js` gives it,
 * NODE_ENV=production, MIGRATE_ON_START=false), so it can be stopped, signalled and measured from outside. Everything listens on 127.0.0.1 only.
 */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const MAIN_JS = path.resolve(__dirname, '..', '..', 'src', 'main.js');
export const BUCKET = 'trust-portal-faults';
export const JWT = { secret: randomBytes(32).toString('base64url'), issuer: 'trust-portal-faults', audience: 'trust-portal' };

export interface ServerProcess {
  proc: ChildProcess;
  pid: number;
  port: number;
  url: string;
  base: string;
  /** The child's log lines (JSON from pino, plus anything on stderr), most recent last (bounded). */
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export class Stack {
  readonly dir: string;
  private pg: EmbeddedPostgres | null = null;
  private s3: EmbeddedS3 | null = null;
  private s3Port = 0;
  private pgPort = 0;
  private readonly pgPassword = randomBytes(16).toString('hex');
  readonly appPassword = randomBytes(16).toString('hex');
  ownerUrl = '';
  appUrl = '';
  s3Endpoint = '';
  private owner: pg.Pool | null = null;
  private readonly servers = new Set<ServerProcess>();
  private cleaned = false;

  constructor(name: string, private readonly log: (line: string) => void = () => undefined) {
    // As root, embedded PostgreSQL runs as the `postgres` user: it must be able to traverse to its folder.
    this.dir = mkdtempSync(path.join(os.tmpdir(), `trust-portal-${name}-`));
    chmodSync(this.dir, 0o711);
  }

  get pgDataDir(): string {
    return path.join(this.dir, 'pg');
  }

  async startPostgres(): Promise<number> {
    const started = Date.now();
    this.pg = await startEmbeddedPostgres({
      databaseDir: this.pgDataDir,
      password: this.pgPassword,
      persistent: true, // stop keeps the files: the cluster restarts on the same data folder (the temp folder goes at the end)
      port: this.pgPort || undefined,
      onLog: (line) => this.log(`postgres: ${line}`),
    });
    this.pgPort = this.pg.port;
    return Date.now() - started;
  }

  /** Stops PostgreSQL (fast shutdown: SIGINT to the postmaster); returns how long it took. */
  async stopPostgres(): Promise<number> {
    const started = Date.now();
    const server = this.pg;
    this.pg = null;
    await this.owner?.end().catch(() => undefined);
    this.owner = null;
    await server?.stop();
    return Date.now() - started;
  }

  async startS3(): Promise<void> {
    this.s3 = await startEmbeddedS3({ directory: path.join(this.dir, 's3'), bucket: BUCKET, port: this.s3Port || undefined, secretAccessKey: 'S3RVER' });
    this.s3Endpoint = this.s3.endpoint;
    this.s3Port = Number(new URL(this.s3.endpoint).port);
  }

  async stopS3(): Promise<void> {
    const s3 = this.s3;
    this.s3 = null;
    await s3?.stop();
  }

  /** First start: PostgreSQL, the database, migrations (as the owner), S3. */
  async start(): Promise<void> {
    await this.startPostgres();
    this.ownerUrl = await ensureDatabase(this.pg!.adminUrl, 'trust_portal');
    await migrate(this.ownerUrl, this.appPassword);
    this.appUrl = appRoleUrl(this.ownerUrl, this.appPassword);
    await this.startS3();
  }

  /** A superuser pool on the database (bypasses RLS): for checks, never for the workload. */
  ownerPool(): pg.Pool {
    if (!this.owner) {
      this.owner = new pg.Pool({ connectionString: this.ownerUrl, max: 3 });
      this.owner.on('error', () => undefined); // idle connections dropped by a PostgreSQL stop
    }
    return this.owner;
  }

  serverEnv(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: path.join(this.dir, 'data'),
      DATABASE_URL: this.ownerUrl,
      APP_DATABASE_URL: this.appUrl,
      MIGRATE_ON_START: 'false',
      SEED_DEMO: 'false',
      JWT_SECRET: JWT.secret,
      JWT_ISSUER: JWT.issuer,
      JWT_AUDIENCE: JWT.audience,
      S3_ENDPOINT: this.s3Endpoint,
      S3_BUCKET: BUCKET,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
      LOG_LEVEL: 'warn',
      // Production defaults are 600 / 1200 a minute; high enough here never to refuse the workload, but still counted
      // in PostgreSQL on every request (the production code path).
      RATE_LIMIT_PER_PRINCIPAL: '1000000',
      RATE_LIMIT_PER_IP: '1000000',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...overrides,
    };
  }

  /** `node dist/src/main.js` as a child; resolves once it prints its URL. */
  async startServer(overrides: Record<string, string> = {}): Promise<ServerProcess> {
    mkdirSync(path.join(this.dir, 'data'), { recursive: true });
    // With the memory budget's flags, as dist/src/start.js starts it, but directly: this pid is the server's.
    const heap = budgetedNodeArgs();
    const proc = spawn(process.execPath, ['--enable-source-maps', ...heap.args, MAIN_JS], { cwd: REPO_ROOT, env: { ...this.serverEnv(overrides), [HEAP_PLAN]: heap.reason }, stdio: ['ignore', 'pipe', 'pipe'] });
    const logs: string[] = [];
    const keep = (line: string): void => {
      if (!line.trim()) return;
      logs.push(line);
      if (logs.length > 5000) logs.splice(0, logs.length - 5000);
    };
    let pending = { out: '', err: '' };
    const reader = (which: 'out' | 'err') => (chunk: string) => {
      pending[which] += chunk;
      const lines = pending[which].split('\n');
      pending[which] = lines.pop()!;
      lines.forEach(keep);
    };
    proc.stdout!.setEncoding('utf8').on('data', reader('out'));
    proc.stderr!.setEncoding('utf8').on('data', reader('err'));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
    let running = true;
    void exited.then(() => {
      running = false;
      pending = { out: '', err: '' };
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start within 60 s:\n${logs.slice(-20).join('\n')}`)), 60_000);
      const poll = setInterval(() => {
        for (const line of logs) {
          const m = /trust-portal is up: http:\/\/[^:]+:(\d+)\/graphql/.exec(line);
          if (m) {
            clearInterval(poll);
            clearTimeout(timer);
            return resolve(Number(m[1]));
          }
        }
        if (!running) {
          clearInterval(poll);
          clearTimeout(timer);
          reject(new Error(`the server exited before listening:\n${logs.slice(-20).join('\n')}`));
        }
      }, 50);
    });
    const server: ServerProcess = {
      proc,
      pid: proc.pid!,
      port,
      base: `http://127.0.0.1:${port}`,
      url: `http://127.0.0.1:${port}/graphql`,
      logs,
      exited,
      isRunning: () => running,
      stop: async (graceMs = 15_000) => {
        if (!running) return;
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      },
    };
    this.servers.add(server);
    void exited.then(() => this.servers.delete(server));
    return server;
  }

  /** Stops every server child, S3 and PostgreSQL, and deletes the temporary folder. Safe to call twice. */
  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    await Promise.allSettled([...this.servers].map((s) => s.stop(3000)));
    await this.owner?.end().catch(() => undefined);
    await this.stopS3().catch(() => undefined);
    await this.stopPostgres().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Synchronous last resort (process 'exit'): kill what is still running. */
  killAllSync(): void {
    for (const s of this.servers) if (s.isRunning()) s.proc.kill('SIGKILL');
    try {
      const pid = Number(readFileSync(path.join(this.pgDataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true }); // also when an interrupted cleanup() did not get this far
  }
}

/** Runs `main` with cleanup on normal exit, on failure, and on Ctrl-C / SIGTERM. */
export function runWithStack(name: string, main: (stack: Stack) => Promise<number>, log?: (line: string) => void): void {
  const stack = new Stack(name, log);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${name}: ${signal}, cleaning up...\n`);
    void stack.cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => stack.killAllSync());
  main(stack)
    .then(async (code) => {
      await stack.cleanup();
      process.exit(code);
    })
    .catch(async (error: unknown) => {
      process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      await stack.cleanup().catch(() => undefined);
      process.exit(1);
    });
}
