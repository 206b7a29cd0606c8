import type { FastifyInstance } from 'fastify';
import { sharedPlugin } from './plugin';
import { sendGraphqlError } from './reply';

/** Whether the raw header list (name, value, name, value...) carries Authorization more than once. */
export function repeatsAuthorization(rawHeaders: string[]): boolean {
  let seen = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.length === 13 && rawHeaders[i]!.toLowerCase() === 'authorization' && ++seen > 1) return true;
  return false;
}

/**
 * RFC 9110: Authorization does not repeat. Node keeps the first line and drops the rest; a proxy in front might read
 * the last, and then the two would disagree about who is calling. Refuse (400) instead of choosing.
 */
export const singleAuthorization = sharedPlugin(async (app: FastifyInstance) => {
  app.addHook('onRequest', (request, reply, done) => {
    if (repeatsAuthorization(request.raw.rawHeaders)) return void sendGraphqlError(reply, 400, 'BAD_REQUEST', 'Send exactly one Authorization header');
    done();
  });
});
