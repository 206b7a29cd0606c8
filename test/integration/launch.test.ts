import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_OLD_SPACE_MB, SEMI_SPACE_MB } from '../../src/runtime/heap';

/**
 * src/start.ts's launcher for real: a process started without heap flags runs its entry with the budget's flags (on
 * Node 22.15+ in the same process, through execve; on older Node as a child whose exit code and signals pass through).
 */
const REPO = path.resolve(__dirname, '..', '..');
const LAUNCH = path.join(REPO, 'src', 'runtime', 'launch.ts');
const hasExecve = typeof (process as { execve?: unknown }).execve === 'function';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'launch-test-'));
  writeFileSync(
    path.join(dir, 'entry.js'),
    `const v8 = require('node:v8');
     if (process.argv.includes('wait')) { process.on('SIGTERM', () => { console.log('entry got SIGTERM'); process.exit(0); }); setInterval(() => {}, 1000); }
     console.log(JSON.stringify({ pid: process.pid, limitMb: v8.getHeapStatistics().heap_size_limit / 1048576, plan: process.env.TRUST_PORTAL_HEAP_PLAN, args: process.argv.slice(2) }));
     if (process.argv.includes('exit7')) process.exit(7);`,
  );
  writeFileSync(path.join(dir, 'launcher.js'), `require(${JSON.stringify(LAUNCH)}).launchWithHeapBudget(require('node:path').join(__dirname, 'entry.js'));`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  launcherPid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: string[];
}

function launch(args: string[], env: NodeJS.ProcessEnv = {}, whenRunning?: (pid: number) => void): Promise<Run> {
  const base = { ...process.env };
  delete base.NODE_OPTIONS;
  delete base.TRUST_PORTAL_HEAP_PLANNED;
  delete base.TRUST_PORTAL_HEAP_PLAN;
  const child = spawn(process.execPath, ['-r', path.join(REPO, 'test', 'support', 'swc-register.js'), path.join(dir, 'launcher.js'), ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (whenRunning && out.includes('\n')) {
      const call = whenRunning;
      whenRunning = undefined;
      call(child.pid as number);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (err.trim()) process.stderr.write(err);
      resolve({ launcherPid: child.pid as number, code, signal, lines: out.trim().split('\n') });
    });
  });
}

const first = (run: Run): { pid: number; limitMb: number; plan: string; args: string[] } => JSON.parse(run.lines[0] as string);

describe('launchWithHeapBudget', () => {
  it('runs the entry with the default old generation and semi-space, passing its arguments on', async () => {
    const run = await launch(['one', 'two']);
    expect(run.code).toBe(0);
    const seen = first(run);
    // heap_size_limit counts the old generation plus the young one (a few semi-spaces).
    expect(seen.limitMb).toBeGreaterThanOrEqual(DEFAULT_OLD_SPACE_MB);
    expect(seen.limitMb).toBeLessThanOrEqual(DEFAULT_OLD_SPACE_MB + 4 * SEMI_SPACE_MB);
    expect(seen.plan).toContain(`old generation ${DEFAULT_OLD_SPACE_MB} MB`);
    expect(seen.args).toEqual(['one', 'two']);
    if (hasExecve) expect(seen.pid).toBe(run.launcherPid);
    else expect(seen.pid).not.toBe(run.launcherPid);
  });

  it("keeps the operator's NODE_OPTIONS heap size", async () => {
    const run = await launch([], { NODE_OPTIONS: '--max-old-space-size=200' });
    const seen = first(run);
    expect(seen.limitMb).toBeGreaterThanOrEqual(200);
    expect(seen.limitMb).toBeLessThan(DEFAULT_OLD_SPACE_MB);
    expect(seen.plan).toContain('old generation as given');
  });

  it("ends with the entry's exit code", async () => {
    expect((await launch(['exit7'])).code).toBe(7);
  });

  it('passes SIGTERM on to the entry, which shuts down cleanly', async () => {
    const run = await launch(['wait'], {}, (pid) => process.kill(pid, 'SIGTERM'));
    expect(run.lines).toContain('entry got SIGTERM');
    expect(run.code).toBe(0);
  });
});
