import type { FastifyInstance } from 'fastify';
import { sharedPlugin } from './plugin';
import { isRegistered, requestedOperation, type RegisteredOperation } from './operations';
import { sendGraphqlError } from './reply';

/**
 * GRAPHQL_OPERATIONS=registered: once the body is read, an operation that is not in the manifest (by hash or exact
 * text) is refused with 400 PERSISTED_QUERY_NOT_REGISTERED before anything runs. Not registered in open mode.
 */
export const registeredOperations = sharedPlugin(async (app: FastifyInstance, options: { manifest: Map<string, RegisteredOperation> }) => {
  app.addHook('preHandler', async (request, reply) => {
    if (isRegistered(options.manifest, requestedOperation(request.method, new URL(request.url, 'http://localhost'), request.body))) return;
    return sendGraphqlError(reply, 400, 'PERSISTED_QUERY_NOT_REGISTERED', 'This server runs registered operations only: send the sha256 of an operation from its manifest (extensions.persistedQuery) or its exact text.');
  });
});
