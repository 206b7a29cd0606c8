import { totalmem } from 'node:os';

/**
 * The server's memory budget: V8 heap flags chosen before the server's process starts (see src/start.ts), because V8
 * sizes its heap when the process starts and ignores these flags set later.
 *
 * Why: on a machine with memory to spare, Node's defaults let V8 grow the heap lazily (a 4 GB old-generation limit
 * on this 24 GB machine, a large young generation on Node 24), so an API process sat at 300-480 MB of RSS under load
 * for work whose live data is a few tens of MB. The budget here keeps it near 200 MB (README, Performance).
 *
 * - Old generation: where the process runs in a container with a memory limit (cgroup v1 or v2, as
 *   `process.constrainedMemory()` reports it), Node already sizes the old generation from that limit (about half of
 *   it), and that is left alone. Without a limit, the server takes {@link DEFAULT_OLD_SPACE_MB}: what Node itself
 *   would choose in a container of about 768 MB.
 * - Young generation: {@link SEMI_SPACE_MB} per semi-space, Node 20's default. Node 24 grows it further on large
 *   machines, which by itself added about 100 MB of RSS in the bench.
 * - The operator's choice wins: a flag given in `NODE_OPTIONS` or on the command line is never overridden.
 */
export const DEFAULT_OLD_SPACE_MB = 384;
export const SEMI_SPACE_MB = 16;
/** Set (to '1') in the environment of a server started with the budget's flags: it does not restart again. */
export const HEAP_PLANNED = 'TRUST_PORTAL_HEAP_PLANNED';
/** The plan's reason, for the server's start-up log line. */
export const HEAP_PLAN = 'TRUST_PORTAL_HEAP_PLAN';

export interface HeapInputs {
  /** `process.env.NODE_OPTIONS`. */
  nodeOptions: string | undefined;
  /** `process.execArgv`: the flags node was started with. */
  execArgv: readonly string[];
  /** `process.constrainedMemory()`: 0 or undefined when unknown, about 2^64 when there is no limit. */
  constrainedBytes: number | undefined;
  /** `os.totalmem()`. */
  totalBytes: number;
}

/** What the budget decided, for the log line and the bench report. */
export interface HeapPlan {
  /** Flags to start the server with (empty when there is nothing to add). */
  flags: string[];
  /** One line saying why. */
  reason: string;
}

/** `--max-old-space-size=256`, `--max_old_space_size 256`: V8 accepts dashes or underscores, `=` or a space. */
function mentions(args: readonly string[], flag: string): boolean {
  const wanted = flag.replace(/_/g, '-');
  return args.some((arg) => arg.replace(/_/g, '-').split('=')[0] === wanted);
}

/** Splits NODE_OPTIONS the simple way (flags with values use `=` or a following word; both are caught by name). */
function words(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

/** A container limit, when there is one below the machine's memory. */
export function containerLimitMb(inputs: Pick<HeapInputs, 'constrainedBytes' | 'totalBytes'>): number | null {
  const limit = inputs.constrainedBytes;
  if (limit === undefined || !Number.isFinite(limit) || limit <= 0 || limit >= inputs.totalBytes) return null;
  return Math.floor(limit / (1024 * 1024));
}

export function heapPlan(inputs: HeapInputs): HeapPlan {
  const given = [...words(inputs.nodeOptions), ...inputs.execArgv];
  const flags: string[] = [];
  const reasons: string[] = [];
  const limit = containerLimitMb(inputs);
  if (mentions(given, '--max-old-space-size')) reasons.push('old generation as given');
  else if (limit !== null) reasons.push(`old generation sized by Node from the ${limit} MB container limit`);
  else {
    flags.push(`--max-old-space-size=${DEFAULT_OLD_SPACE_MB}`);
    reasons.push(`old generation ${DEFAULT_OLD_SPACE_MB} MB (no container memory limit)`);
  }
  if (mentions(given, '--max-semi-space-size')) reasons.push('semi-space as given');
  else {
    flags.push(`--max-semi-space-size=${SEMI_SPACE_MB}`);
    reasons.push(`semi-space ${SEMI_SPACE_MB} MB`);
  }
  return { flags, reason: reasons.join('; ') };
}

/** The plan for this process (its NODE_OPTIONS and memory), given the flags node was (or will be) started with. */
export function currentHeapPlan(execArgv: readonly string[] = process.execArgv): HeapPlan {
  return heapPlan({
    nodeOptions: process.env.NODE_OPTIONS,
    execArgv,
    constrainedBytes: typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined,
    totalBytes: totalmem(),
  });
}

/**
 * Node flags for starting the server directly (`node <flags> dist/src/main.js`) as src/start.ts would, for tools that
 * must know the server's pid on every Node version (the bench, the soak and fault scripts): the budget's flags, then
 * `extra` (which win, as an operator's do).
 */
export function budgetedNodeArgs(extra: readonly string[] = []): { args: string[]; reason: string } {
  const plan = currentHeapPlan(extra);
  return { args: [...plan.flags, ...extra], reason: plan.reason };
}
