import { threadId } from 'node:worker_threads';
import { WatermarkError, watermarkPdf, type WatermarkOptions, type WatermarkRecipient } from './watermark';

/** What the pool posts to a worker thread. */
export interface WatermarkTask {
  original: Uint8Array;
  recipient: WatermarkRecipient;
  options?: WatermarkOptions;
}

/** A typed refusal crosses the thread boundary as data (structured clone drops the error's class). */
export type WatermarkTaskResult =
  | { ok: true; pdf: Uint8Array; threadId: number }
  | { ok: false; code: WatermarkError['code']; message: string };

/** Runs in a worker thread (piscina): pdf-lib's parse, stamp and rewrite never block the API's event loop. */
export default async function stamp(task: WatermarkTask): Promise<WatermarkTaskResult> {
  try {
    return { ok: true, pdf: await watermarkPdf(task.original, task.recipient, task.options), threadId };
  } catch (error) {
    if (error instanceof WatermarkError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}
