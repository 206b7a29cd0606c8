import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  acquireOwner,
  ClusterInUseError,
  inspectPostmaster,
  ownerFileOf,
  ownerIsAlive,
  planStart,
  readOwner,
  selfRecord,
  systemProbe,
  type OwnerRecord,
  type PostmasterState,
  type ProcessProbe,
} from '../../src/db/cluster-owner';
import { describeStartupError } from '../../src/startup-error';

/**
 * Who holds an embedded PostgreSQL cluster (issue #11, item 10): a second start on a data folder in use must name the
 * holder; a start after the application was SIGKILLed must find and stop its orphaned server; a postmaster.pid naming
 * a dead (or reused) pid must go. Processes here are fakes: a table of pids.
 */
interface FakeProcess {
  alive?: boolean;
  token?: string | null;
  command?: string | null;
  parent?: number | null;
  cwd?: string | null;
}

function fakeProbe(table: Record<number, FakeProcess>): ProcessProbe {
  const get = (pid: number): FakeProcess | undefined => table[pid];
  return {
    isAlive: (pid) => get(pid)?.alive ?? false,
    startToken: (pid) => get(pid)?.token ?? null,
    commandLine: (pid) => get(pid)?.command ?? null,
    parentPid: (pid) => get(pid)?.parent ?? null,
    workingDirectory: (pid) => get(pid)?.cwd ?? null,
  };
}

let dir: string;
let cluster: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tp-owner-'));
  cluster = path.join(dir, 'postgres');
  mkdirSync(cluster);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const record = (pid: number, token: string | null = `t${pid}`, command: string | null = `node dist/src/main.js #${pid}`): OwnerRecord => ({ pid, startToken: token, command, since: '2026-06-01T12:00:00.000Z' });
const SELF = record(100);
const writeOwner = (r: OwnerRecord | string): void => writeFileSync(ownerFileOf(cluster), typeof r === 'string' ? r : JSON.stringify(r));
const writePostmaster = (lines: (string | number)[]): void => writeFileSync(path.join(cluster, 'postmaster.pid'), lines.join('\n') + '\n');

describe('readOwner and ownerIsAlive', () => {
  it('reads a record; a missing, torn or nonsensical file is no owner', () => {
    expect(readOwner(ownerFileOf(cluster))).toBeNull();
    writeOwner('{"pid": 12');
    expect(readOwner(ownerFileOf(cluster))).toBeNull();
    writeOwner('{"pid": -3}');
    expect(readOwner(ownerFileOf(cluster))).toBeNull();
    writeOwner(record(42));
    expect(readOwner(ownerFileOf(cluster))).toEqual(record(42));
  });

  it('is alive only while its pid runs and was not reused by a later process', () => {
    expect(ownerIsAlive(record(7), fakeProbe({}))).toBe(false);
    expect(ownerIsAlive(record(7), fakeProbe({ 7: { alive: true, token: 't7' } }))).toBe(true);
    expect(ownerIsAlive(record(7), fakeProbe({ 7: { alive: true, token: 'later' } }))).toBe(false); // pid reused
    expect(ownerIsAlive(record(7), fakeProbe({ 7: { alive: true, token: null } }))).toBe(true); // no /proc: trust the pid
    expect(ownerIsAlive(record(7, null), fakeProbe({ 7: { alive: true, token: 'x' } }))).toBe(true);
  });
});

describe('acquireOwner', () => {
  it('takes a free cluster and writes who holds it', () => {
    const lock = acquireOwner(cluster, fakeProbe({}), SELF);
    expect(lock.previous).toBeNull();
    expect(readOwner(ownerFileOf(cluster))).toEqual(SELF);
    lock.release();
    expect(readOwner(ownerFileOf(cluster))).toBeNull();
    lock.release(); // idempotent
  });

  it('refuses while the owner lives, naming its pid, its command line and what to do', () => {
    writeOwner(record(4242));
    const probe = fakeProbe({ 4242: { alive: true, token: 't4242', command: 'node --enable-source-maps dist/src/main.js' } });
    let error: unknown;
    try {
      acquireOwner(cluster, probe, SELF);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ClusterInUseError);
    const message = (error as Error).message;
    expect(message).toContain(cluster);
    expect(message).toContain('process 4242 (node --enable-source-maps dist/src/main.js)');
    expect(message).toContain('running since 2026-06-01T12:00:00.000Z');
    expect(message).toMatch(/kill 4242/);
    expect(message).toMatch(/DATA_DIR/);
    expect(readOwner(ownerFileOf(cluster))).toEqual(record(4242)); // untouched
  });

  it("falls back to the recorded command line when the holder's is unreadable", () => {
    writeOwner(record(4242, 't4242', 'node dist/src/main.js'));
    expect(() => acquireOwner(cluster, fakeProbe({ 4242: { alive: true, token: 't4242' } }), SELF)).toThrow('process 4242 (node dist/src/main.js)');
  });

  it('refuses a second start in the same process too', () => {
    const lock = acquireOwner(cluster, fakeProbe({ 100: { alive: true, token: 't100' } }), SELF);
    expect(() => acquireOwner(cluster, fakeProbe({ 100: { alive: true, token: 't100' } }), SELF)).toThrow(ClusterInUseError);
    lock.release();
  });

  it.each([
    ['its process is gone (SIGKILL)', {}],
    ['its pid now belongs to another process', { 4242: { alive: true, token: 'someone-else' } }],
  ])('replaces the file of an owner whose %s, and reports that owner', (_why, table: Record<number, FakeProcess>) => {
    writeOwner(record(4242));
    const lock = acquireOwner(cluster, fakeProbe(table), SELF);
    expect(lock.previous).toEqual(record(4242));
    expect(readOwner(ownerFileOf(cluster))).toEqual(SELF);
    lock.release();
  });

  it('replaces an unreadable file', () => {
    writeOwner('garbage');
    const lock = acquireOwner(cluster, fakeProbe({}), SELF);
    expect(lock.previous).toBeNull();
    expect(readOwner(ownerFileOf(cluster))).toEqual(SELF);
  });

  it('release leaves a file that is no longer ours', () => {
    const lock = acquireOwner(cluster, fakeProbe({}), SELF);
    writeOwner(record(555)); // someone decided ours was stale and took over
    lock.release();
    expect(readOwner(ownerFileOf(cluster))).toEqual(record(555));
  });

  it('creates the folder holding the owner file', () => {
    const deeper = path.join(dir, 'not', 'yet', 'postgres');
    acquireOwner(deeper, fakeProbe({}), SELF).release();
  });
});

describe('inspectPostmaster', () => {
  const postgres = (overrides: FakeProcess = {}): FakeProcess => ({
    alive: true, cwd: cluster, parent: 1, command: `/opt/pg/bin/postgres -D ${cluster} -p 5433 -c listen_addresses=127.0.0.1`, ...overrides,
  });

  it('is absent without a postmaster.pid', () => {
    expect(inspectPostmaster(cluster, fakeProbe({}))).toEqual({ state: 'absent' });
  });

  it('is running when the pid is alive and is the server of this folder (by its working directory)', () => {
    writePostmaster([900, cluster, 1796218789, 5433, '/tmp', '127.0.0.1']);
    expect(inspectPostmaster(cluster, fakeProbe({ 900: postgres() }))).toEqual({ state: 'running', pid: 900, port: 5433, verified: true });
  });

  it('is stale when the pid is dead, or alive as some other process', () => {
    writePostmaster([900, cluster, 1796218789, 5433]);
    expect(inspectPostmaster(cluster, fakeProbe({}))).toEqual({ state: 'stale', pid: 900 });
    expect(inspectPostmaster(cluster, fakeProbe({ 900: { alive: true, cwd: '/home/someone', command: 'vim notes.txt' } }))).toEqual({ state: 'stale', pid: 900 });
    // Another cluster's server that got the pid.
    expect(inspectPostmaster(cluster, fakeProbe({ 900: postgres({ cwd: path.join(dir, 'other') }) }))).toEqual({ state: 'stale', pid: 900 });
  });

  it('without a readable working directory, goes by the command line', () => {
    writePostmaster([900, cluster, 1796218789, 5433]);
    expect(inspectPostmaster(cluster, fakeProbe({ 900: postgres({ cwd: null }) }))).toMatchObject({ state: 'running', verified: true });
    expect(inspectPostmaster(cluster, fakeProbe({ 900: postgres({ cwd: null, command: '/usr/bin/python3 -D something' }) })).state).toBe('stale');
    expect(inspectPostmaster(cluster, fakeProbe({ 900: postgres({ cwd: null, command: `/opt/pg/bin/postgres -D ${path.join(dir, 'other')}` }) })).state).toBe('stale');
  });

  it('with nothing readable about a live pid (no /proc), keeps the file and calls it unverified', () => {
    writePostmaster([900, cluster, 1796218789, 5433]);
    expect(inspectPostmaster(cluster, fakeProbe({ 900: { alive: true } }))).toEqual({ state: 'running', pid: 900, port: 5433, verified: false });
  });

  it('is stale when the file holds no pid', () => {
    writePostmaster(['', '']);
    expect(inspectPostmaster(cluster, fakeProbe({}))).toEqual({ state: 'stale', pid: null });
  });
});

describe('planStart', () => {
  const running: PostmasterState = { state: 'running', pid: 900, port: 5433, verified: true };

  it('starts when nothing is there, and removes a stale pid file first', () => {
    expect(planStart({ state: 'absent' }, fakeProbe({}), 100)).toEqual({ action: 'start' });
    expect(planStart({ state: 'stale', pid: 900 }, fakeProbe({}), 100)).toEqual({ action: 'remove-stale-pid-file', pid: 900 });
  });

  it('stops a server whose application is gone: reparented to init, or to a subreaper that is not Node.js', () => {
    expect(planStart(running, fakeProbe({ 900: { alive: true, parent: 1 } }), 100)).toEqual({ action: 'stop-orphan', pid: 900, port: 5433 });
    expect(planStart(running, fakeProbe({ 900: { alive: true, parent: 77 }, 77: { alive: true, command: '/lib/systemd/systemd --user' } }), 100).action).toBe('stop-orphan');
    expect(planStart(running, fakeProbe({ 900: { alive: true, parent: 4242 } }), 100).action).toBe('stop-orphan'); // parent dead, not reaped yet
    expect(planStart(running, fakeProbe({ 900: { alive: true, parent: null } }), 100).action).toBe('stop-orphan');
  });

  it('refuses a server still run by a live Node.js process (no owner file: an older version), naming it', () => {
    const probe = fakeProbe({ 900: { alive: true, parent: 4242 }, 4242: { alive: true, command: '/usr/local/bin/node --enable-source-maps dist/src/main.js' } });
    expect(planStart(running, probe, 100)).toEqual({ action: 'refuse', holderPid: 4242, holderCommand: '/usr/local/bin/node --enable-source-maps dist/src/main.js' });
  });

  it('signals nothing it could not verify: PostgreSQL checks its own pid file', () => {
    expect(planStart({ ...running, verified: false }, fakeProbe({ 900: { alive: true, parent: 1 } }), 100)).toEqual({ action: 'start' });
  });

  it('refuses a server this very process runs', () => {
    expect(planStart(running, fakeProbe({ 900: { alive: true, parent: 100 }, 100: { alive: true, command: null } }), 100)).toMatchObject({ action: 'refuse', holderPid: 100 });
  });
});

describe('systemProbe (this machine)', () => {
  const linux = process.platform === 'linux';

  it('knows this process: alive, its start time, its command line', () => {
    expect(systemProbe.isAlive(process.pid)).toBe(true);
    if (!linux) return;
    expect(systemProbe.startToken(process.pid)).toMatch(/^\d+$/);
    expect(systemProbe.commandLine(process.pid)).toContain('node');
    expect(systemProbe.parentPid(process.pid)).toBe(process.ppid);
    expect(systemProbe.workingDirectory(process.pid)).toBe(process.cwd());
    expect(selfRecord()).toMatchObject({ pid: process.pid, startToken: systemProbe.startToken(process.pid) });
  });

  it('knows a finished process is gone', () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(child.stdout);
    expect(pid).toBeGreaterThan(0);
    expect(systemProbe.isAlive(pid)).toBe(false);
    expect(systemProbe.commandLine(pid)).toBeNull();
  });
});

describe('describeStartupError (the "failed to start: undefined" of issue #11)', () => {
  it.each<[string, unknown, string | RegExp]>([
    ['a rejection with no reason', undefined, /failed without saying why \(it rejected with undefined\).*LOG_LEVEL=debug/],
    ['null', null, /rejected with null/],
    ['an empty string', '', /rejected with an empty string/],
    ['a string', 'Postgres init script exited with code 1', 'Postgres init script exited with code 1'],
    ['an Error', new Error('boom'), 'boom'],
    ['an Error without a message but a code', Object.assign(new Error(''), { code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    ['an Error without anything', new TypeError(''), 'TypeError'],
    ['an empty AggregateError (connect to every address refused)', new AggregateError([new Error('connect ECONNREFUSED ::1:5432'), new Error('connect ECONNREFUSED 127.0.0.1:5432')]), 'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432'],
    ['an Error with a cause it does not repeat', new Error('could not migrate', { cause: new Error('relation "x" does not exist') }), 'could not migrate (cause: relation "x" does not exist)'],
    ['an Error with a cause it repeats', new Error('start failed: port taken', { cause: 'port taken' }), 'start failed: port taken'],
    ['an object', { code: 42 }, '{"code":42}'],
  ])('%s', (_what, error, expected) => {
    const message = describeStartupError(error);
    expect(message).not.toMatch(/^(undefined|null|)$/);
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });
});

test('the owner file sits next to the cluster folder', () => {
  expect(ownerFileOf('/data/x/postgres')).toBe('/data/x/postgres.owner.json');
  const lock = acquireOwner(cluster, fakeProbe({}), SELF);
  expect(JSON.parse(readFileSync(path.join(dir, 'postgres.owner.json'), 'utf8'))).toEqual(SELF);
  lock.release();
});
