import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { WatermarkError, type WatermarkOptions, type WatermarkRecipient } from './watermark';
import { StorageUnavailableError, type Storage } from '../storage/storage';
import type { StoredStampResult, StoredStampTask, WatermarkTask, WatermarkTaskResult } from './watermark.worker';

/**
 * Watermarking (pdf-lib parsing and rewriting a whole PDF: ~1 s of CPU for 10 MB) runs on worker threads, so the
 * event loop keeps answering the cached page and everything else meanwhile. One pool per process, created on first
 * use; threads beyond the first leave one core to the event loop, and idle threads exit after a minute.
 */
const THREADS = Math.max(1, availableParallelism() - 1);
const IDLE_MS = 60_000;

/** One pool, two tasks: the default export (stamp bytes) and `stampStored` (read, stamp and store). */
type Pool = Piscina<WatermarkTask | StoredStampTask, WatermarkTaskResult | StoredStampResult>;

let pool: Pool | null = null;

function workerOptions(): { filename: string; execArgv: string[] } {
  // Built code runs dist/.../watermark.worker.js. Run from TypeScript sources (tests, child processes started through
  // test/support/swc-register.js), the thread needs the same on-the-fly compiler as its parent to load the .ts file.
  const ext = path.extname(__filename);
  const filename = path.join(__dirname, `watermark.worker${ext}`);
  if (ext !== '.ts') return { filename, execArgv: [] };
  return { filename, execArgv: ['--require', path.resolve(__dirname, '../../../test/support/swc-register.js')] };
}

function thePool(): Pool {
  pool ??= new Piscina({ ...workerOptions(), minThreads: 0, maxThreads: THREADS, idleTimeout: IDLE_MS });
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
  const result = (await thePool().run({ original, recipient, options }, own ? { transferList: [original.buffer as ArrayBuffer] } : {})) as WatermarkTaskResult;
  if (!result.ok) throw new WatermarkError(result.code, result.message);
  return { pdf: result.pdf, sha256: result.sha256, threadId: result.threadId, priority: result.priority };
}

/**
 * From this size on, a download's stamping reads and stores the file on the worker thread too (stampStoredOffThread).
 * Measured (bench a-wm, four 11 MB first downloads beside the cached page): p99 10-15 ms -> 7-8 ms, peak RSS -30 MB.
 * Below it, the I/O stays on the API's thread: with one stamping thread (two cores), moving the I/O of small files
 * there cut (c-wm)'s throughput by a fifth to a third and doubled its p99, the thread waiting on storage between stamps.
 */
export const STORAGE_IO_ON_WORKER_BYTES = 1024 * 1024;

/**
 * A stored PDF's stamped copy for one recipient, made entirely on a worker thread: read `sourceKey`, stamp, store at
 * `targetKey` (with its SHA-256 as the signed payload hash). The bytes never reach the caller's thread. Returns the
 * copy's size, or null when the original is missing; throws WatermarkError (the file cannot be stamped) or
 * StorageUnavailableError (storage failed), as the same steps on this thread would.
 */
export async function stampStoredOffThread(
  storage: Storage,
  keys: { sourceKey: string; targetKey: string; maxBytes: number },
  recipient: WatermarkRecipient,
  options?: WatermarkOptions,
): Promise<{ sizeBytes: number; threadId: number } | null> {
  const task: StoredStampTask = { storage: storage.workerSettings, ...keys, recipient, options };
  const result = (await thePool().run(task, { name: 'stampStored' })) as StoredStampResult;
  if (result.ok) return { sizeBytes: result.sizeBytes, threadId: result.threadId };
  if (result.code === 'SOURCE_NOT_FOUND') return null;
  if (result.code === 'STORAGE_UNAVAILABLE') throw new StorageUnavailableError(result.operation, new Error(result.message));
  throw new WatermarkError(result.code, result.message);
}

/** Stops the threads (shutdown, tests). A later call starts a new pool. */
export async function closeWatermarkPool(): Promise<void> {
  const current = pool;
  pool = null;
  await current?.destroy();
}

/** How many threads the pool may use (reported by the bench and the README). */
export const WATERMARK_THREADS = THREADS;
