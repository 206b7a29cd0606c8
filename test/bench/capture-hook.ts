import { appendFileSync } from 'node:fs';
import pg from 'pg';
import './child-guard';

/**
 * Preloaded into the server (`node -r dist/test/bench/capture-hook.js dist/src/main.js`). While
 * TP_BENCH_CAPTURE_FILE is set, every statement any pg client sends is appended to that file as one JSON line
 * `{ text, values }`, values already in the text form pg sends (pg's own prepareValue), so a replay sends the same
 * bytes. The bench sends one request at a time and reads what was appended. Without the variable, nothing is wrapped.
 */
export interface CapturedStatement {
  text: string;
  values: (string | null)[];
}

const file = process.env.TP_BENCH_CAPTURE_FILE;
if (file) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): string | null };
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function capturedQuery(this: unknown, ...args: unknown[]): unknown {
    const [first, second] = args;
    let text: unknown;
    let values: unknown;
    if (typeof first === 'string') {
      text = first;
      values = Array.isArray(second) ? second : undefined;
    } else if (first && typeof first === 'object') {
      const config = first as { text?: unknown; values?: unknown };
      text = config.text;
      values = Array.isArray(config.values) ? config.values : Array.isArray(second) ? second : undefined;
    }
    if (typeof text === 'string') {
      const entry: CapturedStatement = { text, values: Array.isArray(values) ? values.map((v) => prepareValue(v)) : [] };
      appendFileSync(file, JSON.stringify(entry) + '\n');
    }
    return original.apply(this, args);
  };
}
