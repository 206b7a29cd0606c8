import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { sharedPlugin } from './plugin';

const CLIENT_ID = /^[\w.-]{1,128}$/;

/** Fastify's `genReqId`: the client's X-Request-Id when it is a plain token, else a new UUID (it becomes `request.id`). */
export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && CLIENT_ID.test(sent) ? sent : randomUUID();
}

/** Every response, whatever the route (404s included), names its request id (the one in the request log line). */
export const requestId = sharedPlugin(async (app: FastifyInstance) => {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
});
