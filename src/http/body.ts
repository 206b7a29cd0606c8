import type { FastifyInstance } from 'fastify';
import { HttpError, MAX_BODY_BYTES } from './errors';
import { sharedPlugin } from './plugin';

/**
 * Request bodies for GraphQL, whatever their content type: up to 1 MiB (413 past it, declared or streamed), parsed as
 * JSON when the type says JSON (400 when it is not JSON), else passed to Apollo as text (which refuses what it cannot
 * run, e.g. text/plain under its CSRF rule). Registered inside the GraphQL context only: other routes keep Fastify's
 * parsers or bring their own (e.g. @fastify/formbody).
 */
export const graphqlBody = sharedPlugin(async (app: FastifyInstance) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (request, raw, done) => {
    const text = raw as string;
    if (!(request.headers['content-type'] ?? '').includes('application/json')) return done(null, text);
    if (text.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new HttpError(400, 'Request body is not valid JSON'), undefined);
    }
  });
});
