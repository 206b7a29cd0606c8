import './child-guard';
import { readFileSync } from 'node:fs';
import http from 'node:http';

/**
 * The ceiling of any Node HTTP server on this machine: node:http answering every request with fixed bytes (scenario
 * (a)'s exact response body and content type), nothing else. Args: <body file> <content type>. Announces `{ port }`.
 */
const [bodyFile, contentType] = process.argv.slice(2);
if (!bodyFile || !contentType) throw new Error('usage: bare-server <body file> <content type>');
const body = readFileSync(bodyFile);
const server = http.createServer((req, res) => {
  // Drain any request body (the POST variant) before answering, as a real server must.
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
