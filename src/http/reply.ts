import type { FastifyReply } from 'fastify';

/** A JSON answer the pipeline writes itself (not through GraphQL). */
export function sendJson(reply: FastifyReply, status: number, body: unknown, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(status).headers({ 'content-type': 'application/json; charset=utf-8', ...headers }).send(JSON.stringify(body));
}

/** A GraphQL-shaped refusal: `{"errors":[{"message","extensions":{"code",...}}]}`. */
export function sendGraphqlError(reply: FastifyReply, status: number, code: string, message: string, headers: Record<string, string> = {}, extensions: Record<string, unknown> = {}): FastifyReply {
  return sendJson(reply, status, { errors: [{ message, extensions: { code, ...extensions } }] }, headers);
}
