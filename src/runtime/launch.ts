import { spawn } from 'node:child_process';
import { currentHeapPlan, HEAP_PLAN, HEAP_PLANNED } from './heap';

/** Node 22.15+ (marked experimental; used only where it exists). The @types/node of Node 20 lacks it. */
type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never;

/**
 * Runs `entry` (the server: main.js) with the memory budget of heap.ts. V8 reads heap sizes only when a process
 * starts, so when flags must be added, `entry` is started again with them:
 * - Node 22.15+ (the Docker image's Node 24): `process.execve` replaces this process, same pid, nothing left behind;
 * - older Node: a child process with the same stdio; signals are passed on and its exit code is this one's.
 * With nothing to add (the operator set both sizes), the server runs in this process.
 */
export function launchWithHeapBudget(entry: string): void {
  const plan = currentHeapPlan();
  if (process.env[HEAP_PLANNED] === '1' || plan.flags.length === 0) {
    process.env[HEAP_PLAN] ??= plan.reason;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(entry);
    return;
  }
  const args = [...process.execArgv, ...plan.flags, entry, ...process.argv.slice(2)];
  const env = { ...process.env, [HEAP_PLANNED]: '1', [HEAP_PLAN]: plan.reason };
  const execve = (process as { execve?: Execve }).execve;
  if (typeof execve === 'function' && process.platform !== 'win32') {
    try {
      execve.call(process, process.execPath, [process.execPath, ...args], env);
    } catch (error) {
      process.stderr.write(`trust-portal: could not restart with its heap flags (${String(error)}); starting a child process instead\n`);
    }
  }
  const child = spawn(process.execPath, args, { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('error', (error) => {
    process.stderr.write(`trust-portal failed to start: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    // A child ended by a signal: end the same way (the exit status a shell and an orchestrator expect).
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}
