import { timingSafeEqual, createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../config/config';
import { metricsContentType, metricsText } from './metrics';

export interface MetricsServer {
  /** The address it listens on, e.g. http://127.0.0.1:9464/metrics. */
  url: string;
  close(): Promise<void>;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Prometheus metrics on a listener of their own (METRICS_HOST:METRICS_PORT, 127.0.0.1:9464 by default), never on the
 * API port: process and latency figures are for operators, not for anyone who reaches the API. With METRICS_TOKEN set,
 * a scrape must also send `Authorization: Bearer <token>` (compared in constant time).
 */
export async function startMetricsServer(config: AppConfig['metrics']): Promise<MetricsServer | null> {
  if (config.port === null) return null;
  const expected = config.token ? digest(`Bearer ${config.token}`) : null;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('Not found: metrics are at /metrics\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('Use GET\n');
    }
    if (expected && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('Send Authorization: Bearer <METRICS_TOKEN>\n');
    }
    metricsText().then(
      (text) => {
        res.writeHead(200, { 'content-type': metricsContentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`METRICS_PORT ${config.port} on ${config.host} is in use (set METRICS_PORT to another port, 0 for any, or off)`) : error));
    server.listen(config.port!, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
