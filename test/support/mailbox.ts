import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { waitFor } from './wait';

/** A message the embedded SMTP sink kept, parsed back with mailparser. */
export interface ReceivedMail {
  file: string;
  messageId: string;
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  date: Date | null;
  headers: ParsedMail['headers'];
  /** The message as received, headers and all. */
  raw: string;
}

const addresses = (value: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));

/** Every message in the sink's folder, oldest first (file names start with the time received). */
export async function readMailbox(dir: string): Promise<ReceivedMail[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml') && !f.startsWith('.')).sort();
  return Promise.all(files.map(async (file) => {
    const raw = readFileSync(path.join(dir, file));
    const parsed = await simpleParser(raw);
    return {
      file, messageId: parsed.messageId ?? '', to: addresses(parsed.to), from: parsed.from?.text ?? '', subject: parsed.subject ?? '',
      text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : '', date: parsed.date ?? null, headers: parsed.headers, raw: raw.toString('utf8'),
    };
  }));
}

/** Waits until the sink holds a message to `address` matching `match`, and returns it. */
export function waitForMail(dir: string, address: string, match: (m: ReceivedMail) => boolean = () => true, timeoutMs = 20_000): Promise<ReceivedMail> {
  return waitFor(`a mail to ${address}`, async () => (await readMailbox(dir)).find((m) => m.to.includes(address.toLowerCase()) && match(m)), { timeoutMs, intervalMs: 100 });
}
