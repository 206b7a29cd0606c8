import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { WatermarkError, type WatermarkOptions, type WatermarkRecipient } from './watermark';
import type { WatermarkTask, WatermarkTaskResult } from './watermark.worker';

/**
 * Watermarking (pdf-lib parsing and rewriting a whole PDF: ~1 s of CPU for 10 MB) runs on worker threads, so the
 * event loop keeps answering the cached page and everything else meanwhile. One pool per process, created on first
 * use; threads beyond the first leave one core to the event loop, and idle threads exit after a minute.
 */
const THREADS = Math.max(1, availableParallelism() - 1);
const IDLE_MS = 60_000;

let pool: Piscina<WatermarkTask, WatermarkTaskResult> | null = null;

function workerOptions(): { filename: string; execArgv: string[] } {
  // Built code runs dist/.../watermark.worker.js. Run from TypeScript sources (tests, child processes started through
  // test/support/swc-register.js), the thread needs the same on-the-fly compiler as its parent to load the .ts file.
  const ext = path.extname(__filename);
  const filename = path.join(__dirname, `watermark.worker${ext}`);
  if (ext !== '.ts') return { filename, execArgv: [] };
  return { filename, execArgv: ['--require', path.resolve(__dirname, '../../../test/support/swc-register.js')] };
}

function thePool(): Piscina<WatermarkTask, WatermarkTaskResult> {
  pool ??= new Piscina<WatermarkTask, WatermarkTaskResult>({ ...workerOptions(), minThreads: 0, maxThreads: THREADS, idleTimeout: IDLE_MS });
  return pool;
}

/** `watermarkPdf` on a worker thread: the same result (with its SHA-256, hex), the same WatermarkError codes. */
export async function watermarkOffThread(original: Uint8Array, recipient: WatermarkRecipient, options?: WatermarkOptions): Promise<{ pdf: Uint8Array; sha256: string }> {
  const { pdf, sha256 } = await stampOnPool(original, recipient, options);
  return { pdf, sha256 };
}

/** The same, with the id of the thread that did the work (tests prove it is not the caller's). */
export async function stampOnPool(
  original: Uint8Array,
  recipient: WatermarkRecipient,
  options?: WatermarkOptions,
): Promise<{ pdf: Uint8Array; sha256: string; threadId: number; priority: number }> {
  // Move the bytes instead of copying them, but only when they own their whole buffer (a Buffer may be a slice of
  // Node's shared pool, which must not be detached).
  const own = original.byteOffset === 0 && original.byteLength === original.buffer.byteLength && original.buffer instanceof ArrayBuffer;
  const result = await thePool().run({ original, recipient, options }, own ? { transferList: [original.buffer as ArrayBuffer] } : {});
  if (!result.ok) throw new WatermarkError(result.code, result.message);
  return { pdf: result.pdf, sha256: result.sha256, threadId: result.threadId, priority: result.priority };
}

/** Stops the threads (shutdown, tests). A later call starts a new pool. */
export async function closeWatermarkPool(): Promise<void> {
  const current = pool;
  pool = null;
  await current?.destroy();
}

/** How many threads the pool may use (reported by the bench and the README). */
export const WATERMARK_THREADS = THREADS;
