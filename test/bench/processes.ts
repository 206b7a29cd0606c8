import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { log } from './progress';

/**
 * Everything the bench starts is registered here and undone on every way out: normal end, failure, Ctrl-C (SIGINT),
 * SIGTERM. Children are killed by their own pid only; a child also stops by itself when the bench dies (its IPC
 * channel closes: see child-guard.ts).
 */
type AsyncCleanup = { name: string; run: () => Promise<void> };

const asyncCleanups: AsyncCleanup[] = [];
const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let cleaning: Promise<void> | null = null;
let interrupted = false;

/** True once SIGINT/SIGTERM arrived: failures after that are the interruption, not the bench. */
export const wasInterrupted = (): boolean => interrupted;

export function onCleanup(name: string, run: () => Promise<void>): () => void {
  const entry = { name, run };
  asyncCleanups.push(entry);
  return () => {
    const i = asyncCleanups.indexOf(entry);
    if (i >= 0) asyncCleanups.splice(i, 1);
  };
}

export function registerTempDir(dir: string): void {
  tempDirs.add(dir);
}

function killChildrenSync(signal: NodeJS.Signals): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, signal);
      } catch {
        // already gone
      }
    }
  }
}

function removeTempDirsSync(): void {
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: the OS temp folder is cleaned eventually
    }
  }
  tempDirs.clear();
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([p, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);

/** Stops children, runs the registered async cleanups in reverse order, removes temp folders. Idempotent. */
export function cleanupAll(): Promise<void> {
  if (cleaning) return cleaning;
  cleaning = (async () => {
    killChildrenSync('SIGTERM');
    await withTimeout(Promise.all([...children].map((c) => waitForExit(c))), 10_000);
    killChildrenSync('SIGKILL');
    while (asyncCleanups.length > 0) {
      const entry = asyncCleanups.pop()!;
      try {
        await withTimeout(entry.run(), 20_000);
      } catch (error) {
        log(`cleanup "${entry.name}" failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    removeTempDirsSync();
  })();
  return cleaning;
}

export function installExitHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: stopping children and cleaning up`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
  // Last resort (an exit nobody planned): nothing async runs here.
  process.on('exit', () => {
    killChildrenSync('SIGKILL');
    removeTempDirsSync();
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export interface NodeChild {
  name: string;
  process: ChildProcess;
  pid: number;
  logFile: string;
  /** The first IPC message the child sends (our own children announce themselves this way). */
  firstMessage(timeoutMs: number): Promise<unknown>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  tail(lines?: number): string;
}

/**
 * Starts `node [-r preload...] script args` with stdout and stderr in a log file and an IPC channel (the child's
 * parent-death guard listens on it).
 */
export function spawnNode(name: string, script: string, options: { args?: string[]; env: NodeJS.ProcessEnv; preload?: string[]; logDir: string; nodeArgs?: string[] }): NodeChild {
  const logFile = path.join(options.logDir, `${name}.log`);
  writeFileSync(logFile, '');
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...(options.preload ?? []).flatMap((p) => ['-r', p]), script, ...(options.args ?? [])], {
    env: options.env,
    stdio: ['ignore', fd, fd, 'ipc'],
  });
  closeSync(fd);
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!child.pid) throw new Error(`could not start ${name}`);
  const messages: unknown[] = [];
  const waiters: ((m: unknown) => void)[] = [];
  child.on('message', (m) => {
    const waiter = waiters.shift();
    if (waiter) waiter(m);
    else messages.push(m);
  });
  const tail = (lines = 30): string => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  return {
    name,
    process: child,
    pid: child.pid,
    logFile,
    tail,
    firstMessage(timeoutMs) {
      if (messages.length > 0) return Promise.resolve(messages.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} sent nothing within ${timeoutMs} ms; its log:\n${tail()}`)), timeoutMs);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${signal ?? code}) before it was ready; its log:\n${tail()}`));
        });
        waiters.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const exited = await withTimeout(waitForExit(child).then(() => true), graceMs);
      if (!exited) {
        child.kill('SIGKILL');
        await waitForExit(child);
      }
    },
  };
}

/** Peak resident set size (VmHWM) of a process in MB, or null off Linux. */
export function peakRssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system, all threads) a process has used so far, in ms, or null off Linux. */
export function cpuMs(pid: number): number | null {
  try {
    return ticksOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** CPU time used so far by each process named `postgres` on this machine (the cluster the bench runs on), in ms by pid. */
export function postgresCpuMs(): Map<number, number> | null {
  const byPid = new Map<number, number>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
        byPid.set(Number(entry), ticksOf(readFileSync(`/proc/${entry}/stat`, 'utf8')));
      } catch {
        // The process ended between the listing and the read.
      }
    }
  } catch {
    return null;
  }
  return byPid;
}

/**
 * PostgreSQL's CPU between two readings: each process's growth, a process started in between counted from zero. One
 * that ended in between is left out (its time is gone from /proc): a sum of totals would go down, even below zero.
 */
export function postgresCpuDelta(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** utime + stime of a /proc/<pid>/stat line, in ms (Linux's USER_HZ is 100). */
function ticksOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resets VmHWM to the current RSS (Linux: write 5 to clear_refs), so the next reading is the peak of one scenario. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
