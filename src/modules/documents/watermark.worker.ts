import { createHash } from 'node:crypto';
import { constants, getPriority, setPriority } from 'node:os';
import { isMainThread, threadId } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { Storage, StorageUnavailableError, type StorageSettings } from '../storage/storage';
import { WatermarkError, watermarkPdf, type WatermarkOptions, type WatermarkRecipient } from './watermark';

/**
 * Stamping yields the CPU to the event loop: on Linux the nice value is per thread, and this sets it for this worker
 * thread only (os.setPriority acts on the calling thread). On a machine whose cores are all busy, the API's thread is
 * then scheduled first when a request arrives, instead of waiting for the stamping thread's time slice. Lowering a
 * priority needs no privilege; where it fails anyway, stamping runs at normal priority.
 */
if (!isMainThread) {
  try {
    setPriority(constants.priority.PRIORITY_LOW);
  } catch {
    // Not permitted here: normal priority.
  }
}

/** What the pool posts to a worker thread. */
export interface WatermarkTask {
  original: Uint8Array;
  recipient: WatermarkRecipient;
  options?: WatermarkOptions;
}

/** A typed refusal crosses the thread boundary as data (structured clone drops the error's class). */
export type WatermarkTaskResult =
  | { ok: true; pdf: Uint8Array; sha256: string; threadId: number; priority: number }
  | { ok: false; code: WatermarkError['code']; message: string };

/** A WatermarkError as data (structured clone drops the error's class; the pool throws it again). */
const refusal = (error: WatermarkError) => ({ ok: false as const, code: error.code, message: error.message });

/**
 * Runs in a worker thread (piscina): pdf-lib's parse, stamp and rewrite never block the API's event loop. Nor does
 * what follows on a 10 MB result: its SHA-256 (the storage upload's signed payload hash) is computed here, and the
 * bytes are moved to the caller's thread, not copied.
 */
export default async function stamp(task: WatermarkTask): Promise<WatermarkTaskResult | ReturnType<typeof move>> {
  try {
    const pdf = await watermarkPdf(task.original, task.recipient, task.options);
    const result: WatermarkTaskResult = { ok: true, pdf, sha256: createHash('sha256').update(pdf).digest('hex'), threadId, priority: getPriority() };
    const own = pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength && pdf.buffer instanceof ArrayBuffer;
    return own ? move({ [transferableSymbol]: [pdf.buffer], [valueSymbol]: result }) : result;
  } catch (error) {
    if (error instanceof WatermarkError) return refusal(error);
    throw error;
  }
}


/** What the pool posts for a stored PDF: read it, stamp it and store the copy, all on this thread. */
export interface StoredStampTask {
  storage: StorageSettings;
  sourceKey: string;
  targetKey: string;
  maxBytes: number;
  recipient: WatermarkRecipient;
  options?: WatermarkOptions;
}

export type StoredStampResult =
  | { ok: true; sizeBytes: number; threadId: number }
  | { ok: false; code: WatermarkError['code']; message: string }
  | { ok: false; code: 'SOURCE_NOT_FOUND'; message: string }
  | { ok: false; code: 'STORAGE_UNAVAILABLE'; operation: string; message: string };

/** One client per thread and bucket settings, made on first use (the thread exits when idle, and the client with it). */
let storage: { key: string; client: Storage } | null = null;
function storageFor(settings: StorageSettings): Storage {
  const key = JSON.stringify(settings);
  if (storage?.key !== key) {
    storage?.client.close();
    storage = { key, client: new Storage(settings) };
  }
  return storage.client;
}

/**
 * The whole first download of a restricted PDF off the event loop: the 10 MB original, its stamped copy and their
 * hash never exist on the API's thread, so neither their copying nor the garbage collections their size triggers
 * (external memory pressure) pause it.
 */
export async function stampStored(task: StoredStampTask): Promise<StoredStampResult> {
  const store = storageFor(task.storage);
  try {
    const original = await store.read(task.sourceKey, task.maxBytes);
    if (!original) return { ok: false, code: 'SOURCE_NOT_FOUND', message: `no object ${task.sourceKey}` };
    const pdf = await watermarkPdf(original, task.recipient, task.options);
    await store.put(task.targetKey, pdf, 'application/pdf', createHash('sha256').update(pdf).digest('hex'));
    return { ok: true, sizeBytes: pdf.byteLength, threadId };
  } catch (error) {
    if (error instanceof WatermarkError) return refusal(error);
    if (error instanceof StorageUnavailableError) {
      // The cause's message: the pool wraps it in a StorageUnavailableError of the same operation again.
      const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
      return { ok: false, code: 'STORAGE_UNAVAILABLE', operation: error.operation, message: cause };
    }
    throw error;
  }
}
