import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

/** Largest message the sink keeps (a mail of ours is a few kilobytes). */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface EmbeddedSmtp {
  /** smtp://127.0.0.1:<port>: what the delivery job connects to. */
  url: string;
  port: number;
  /** The folder holding one .eml file per message received. */
  dir: string;
  close(): Promise<void>;
}

/**
 * The default mail server for `npm start` and the tests: an in-process SMTP server (smtp-server) on 127.0.0.1 that
 * accepts every message and keeps it as `<timestamp>-<id>.eml` under `dir`. Real SMTP all the way: the delivery job
 * cannot tell it from a relay. Loopback only, no TLS, no authentication: it is a sink, never a relay (nothing it
 * receives leaves the machine). `port` 0 picks a free one; tests restart it on a known port to simulate an outage.
 */
export async function startEmbeddedSmtp(options: { dir: string; port?: number }): Promise<EmbeddedSmtp> {
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let sequence = 0;
  const server = new SMTPServer({
    name: 'trust-portal-mail-sink',
    banner: 'trust-portal embedded mail sink (messages are kept as files, never relayed)',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    // A stopped sink must refuse at once (an outage), not keep a slow client open.
    closeTimeout: 1000,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(Object.assign(new Error('Message too large for the mail sink'), { responseCode: 552 }));
          return;
        }
        try {
          // Written to a dot-file, then renamed: a reader never sees half a message.
          const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(++sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}.eml`;
          const temporary = path.join(dir, `.${name}.part`);
          writeFileSync(temporary, Buffer.concat(chunks), { mode: 0o600 });
          renameSync(temporary, path.join(dir, name));
          callback(null, `Kept as ${name}`);
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    dir,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
