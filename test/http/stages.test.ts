import net, { type AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyServerFactory } from 'fastify';
import { graphqlBody } from '../../src/http/body';
import { errorResponses, HttpError } from '../../src/http/errors';
import { legacyJsonRequestError, operationNameOf } from '../../src/http/graphql';
import { healthRoutes } from '../../src/http/health';
import { ide } from '../../src/http/ide';
import { registeredOperations } from '../../src/http/operations.plugin';
import { sha256Hex, type RegisteredOperation } from '../../src/http/operations';
import { PublicResponseCache } from '../../src/http/public-cache';
import { etagMatches, isAnonymousRead, publicCacheHits, publicCacheStore } from '../../src/http/public-cache.plugin';
import { RateLimiter } from '../../src/http/rate-limit';
import { RequestLimits } from '../../src/http/rate-limit.plugin';
import { requestId, requestIdOf } from '../../src/http/request-id';
import { requestLog } from '../../src/http/request-log';
import { requestState } from '../../src/http/request-state';
import { repeatsAuthorization, singleAuthorization } from '../../src/http/single-authorization';
import type { Database } from '../../src/db/database';
import type { Storage } from '../../src/modules/storage/storage';
import type { Logger } from '../../src/logger';
import { connect } from 'node:net';
import { testConfig } from '../support/harness';

/**
 * Each stage of the HTTP pipeline (src/http/server.ts lists them in order) on its own: a Fastify app with that stage,
 * the stages it depends on, and a /graphql route that answers what GraphQL would (its body names the request it saw).
 * The whole pipeline through the real server is tested in test/integration and test/security.
 */
const config = testConfig();

function capturingLogger(): Logger & { lines: { level: string; message: string; data?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; data?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, data?: Record<string, unknown>) => void lines.push({ level, message, data });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), flush: () => undefined, request: (data) => void lines.push({ level: 'request', message: 'request', data }) };
}

/** The request state stage never resolves a principal here (no route calls it): it is given no database. */
const noDatabase = undefined as unknown as Database;

/** An app with the given GraphQL-context stages before a /graphql route; `answer` plays GraphQL (counted in `calls`). */
async function appWith(
  stages: (api: FastifyInstance) => Promise<void>,
  answer: (body: unknown) => { status?: number; text: string } = () => ({ text: '{"data":{"ok":true}}' }),
  serverFactory?: FastifyServerFactory,
) {
  const app = Fastify({ genReqId: requestIdOf, exposeHeadRoutes: false, serverFactory });
  const calls = { count: 0 };
  await app.register(requestId);
  await app.register(errorResponses, { logger: capturingLogger() });
  await app.register(async (api) => {
    await api.register(requestState, { db: noDatabase, config });
    await stages(api);
    api.route({ method: ['GET', 'POST'], url: '/graphql', handler: async (request, reply) => {
      calls.count += 1;
      const { status = 200, text } = answer(request.body);
      request.graphql.answered = true;
      return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(text);
    } });
  });
  await app.ready();
  return { app, calls };
}

const preflight = { 'apollo-require-preflight': 'true' };

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One request over HTTP to `app` (listening on 127.0.0.1 from its first call). */
async function call(app: FastifyInstance, request: string | { method?: string; url: string; headers?: Record<string, string>; payload?: string }): Promise<Answer> {
  const { method = 'GET', url, headers = {}, payload } = typeof request === 'string' ? { url: request } : request;
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const res = await fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}${url}`, { method, headers, body: payload });
  const body = await res.text();
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), body, json: () => JSON.parse(body) };
}

describe('request-id.ts', () => {
  test('echoes a plain X-Request-Id, makes a UUID otherwise, on every route', async () => {
    const { app } = await appWith(async () => undefined);
    expect((await call(app, { url: '/graphql', headers: { 'x-request-id': 'req-1.a_b' } })).headers['x-request-id']).toBe('req-1.a_b');
    expect((await call(app, { url: '/graphql', headers: { 'x-request-id': 'not ok!' } })).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call(app, { url: '/nowhere' })).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    await app.close();
  });
});

describe('errors.ts', () => {
  test('unknown paths are 404 before their body is read; other methods on /graphql are 405 with Allow', async () => {
    const { app } = await appWith(async (api) => api.register(graphqlBody));
    const lost = await call(app, { method: 'POST', url: '/nowhere', headers: { 'content-type': 'application/json' }, payload: '{not json' });
    expect([lost.statusCode, lost.json()]).toEqual([404, { error: 'Not found: the API is at /graphql' }]);
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const) {
      const r = await call(app, { method, url: '/graphql', headers: { 'content-type': 'application/json' }, payload: method === 'HEAD' ? undefined : '{not json' });
      expect([method, r.statusCode, r.headers.allow]).toEqual([method, 405, 'GET, POST']);
    }
    await app.close();
  });

  test('an HTTP/1.0 request without a Host header is 400, not a 500 from inside GraphQL', async () => {
    const { app, calls } = await appWith(async () => undefined);
    await call(app, '/graphql'); // listening
    const port = (app.server.address() as AddressInfo).port;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('GET /graphql?query=%7B__typename%7D HTTP/1.0\r\napollo-require-preflight: true\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => { text += chunk.toString('latin1'); });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.[01] 400 /);
    expect(raw).toContain('A Host header is required');
    expect(calls.count).toBe(1); // only the first, normal request reached the route
    await app.close();
  });

  test('refusals keep their status with code BAD_REQUEST; a database outage is 503; anything else is a masked 500, logged', async () => {
    const logger = capturingLogger();
    const app = Fastify();
    await app.register(errorResponses, { logger });
    app.get('/refused', async () => { throw new HttpError(400, 'No'); });
    app.get('/outage', async () => { throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }); });
    app.get('/bug', async () => { throw new Error('secret detail'); });
    const refused = await call(app, '/refused');
    expect([refused.statusCode, refused.json()]).toEqual([400, { errors: [{ message: 'No', extensions: { code: 'BAD_REQUEST' } }] }]);
    const outage = await call(app, '/outage');
    expect([outage.statusCode, outage.headers['retry-after'], outage.headers['cache-control'], outage.json().errors[0].extensions.code]).toEqual([503, '1', 'no-store', 'SERVICE_UNAVAILABLE']);
    const bug = await call(app, '/bug');
    expect([bug.statusCode, bug.json()]).toEqual([500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }]);
    expect(logger.lines.map((l) => [l.level, l.message, l.data?.error])).toEqual([['warn', 'dependency unavailable', 'connect ECONNREFUSED 127.0.0.1:5432'], ['error', 'request failed', 'secret detail']]);
    await app.close();
  });
});

describe('health.ts', () => {
  test('/healthz answers any method', async () => {
    const app = Fastify();
    await app.register(healthRoutes, { db: noDatabase, storage: undefined as unknown as Storage });
    for (const method of ['GET', 'POST', 'HEAD'] as const) expect((await call(app, { method, url: '/healthz' })).statusCode).toBe(200);
    expect((await call(app, '/healthz')).json()).toEqual({ status: 'ok' });
    await app.close();
  });
});

describe('ide.ts', () => {
  test('a browser GET of /graphql gets the page; a query string or another Accept goes on to GraphQL; assets by name only', async () => {
    const withIde = Fastify({ exposeHeadRoutes: false });
    await withIde.register(errorResponses, { logger: capturingLogger() });
    await withIde.register(ide);
    withIde.get('/graphql', async () => 'graphql');
    const page = await call(withIde, { url: '/graphql', headers: { accept: 'text/html' } });
    expect([page.statusCode, page.headers['content-type'], page.body.includes('/ide/graphiql.js')]).toEqual([200, 'text/html; charset=utf-8', true]);
    expect((await call(withIde, { url: '/graphql?query=%7B__typename%7D', headers: { accept: 'text/html' } })).body).toBe('graphql');
    expect((await call(withIde, { url: '/graphql', headers: { accept: 'application/json' } })).body).toBe('graphql');
    const css = await call(withIde, '/ide/graphiql.css');
    expect([css.statusCode, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    for (const name of ['nope.js', 'constructor', '__proto__']) expect([name, (await call(withIde, `/ide/${name}`)).statusCode]).toEqual([name, 404]);
    await withIde.close();
  });
});

describe('single-authorization.ts', () => {
  test('a repeated Authorization header is refused with 400 before anything else runs', async () => {
    expect(repeatsAuthorization(['Authorization', 'a', 'Host', 'x', 'authorization', 'b'])).toBe(true);
    expect(repeatsAuthorization(['Authorization', 'a', 'X-Authorization', 'b'])).toBe(false);
    const { app, calls } = await appWith(async (api) => api.register(singleAuthorization));
    // Two header lines on the wire (a client library cannot send that; a hand-made request can).
    await app.listen({ port: 0, host: '127.0.0.1' });
    const socket = net.connect((app.server.address() as AddressInfo).port, '127.0.0.1');
    socket.end('GET /graphql HTTP/1.1\r\nhost: x\r\nauthorization: Bearer a\r\nAuthorization: Bearer b\r\nconnection: close\r\n\r\n');
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('{"errors":[{"message":"Send exactly one Authorization header","extensions":{"code":"BAD_REQUEST"}}]}');
    expect(calls.count).toBe(0);
    expect((await call(app, { url: '/graphql', headers: { authorization: 'Bearer a' } })).statusCode).toBe(200);
    await app.close();
  });
});

describe('request-log.ts', () => {
  test('one line per request with status, operation and statements, once the response is finished', async () => {
    const logger = capturingLogger();
    const { app } = await appWith(async (api) => {
      await api.register(requestLog, { logger });
      api.addHook('preHandler', async (request) => { request.graphql.operation = 'PublicPage'; });
    });
    const r = await call(app, { url: '/graphql', headers: { 'x-request-id': 'log-1' } });
    expect(r.statusCode).toBe(200);
    expect(logger.lines).toEqual([{ level: 'request', message: 'request', data: { requestId: 'log-1', org: null, operation: 'PublicPage', status: 200, durationMs: expect.any(Number), statements: 0 } }]);
    await app.close();
  });
});

describe('public-cache.plugin.ts', () => {
  test('which requests are anonymous reads, and which If-None-Match values match', () => {
    expect(isAnonymousRead({ method: 'GET', headers: preflight })).toBe(true);
    expect(isAnonymousRead({ method: 'GET', headers: {} })).toBe(false); // no preflight: Apollo's CSRF rule refuses it
    expect(isAnonymousRead({ method: 'GET', headers: { ...preflight, authorization: 'Bearer x' } })).toBe(false);
    expect(isAnonymousRead({ method: 'GET', headers: { ...preflight, 'x-org': 'acme' } })).toBe(false);
    expect(isAnonymousRead({ method: 'POST', headers: { 'content-type': 'application/json' } })).toBe(false);
    expect([etagMatches('"a", "b"', '"b"'), etagMatches('W/"b"', '"b"'), etagMatches('*', '"b"'), etagMatches('"c"', '"b"'), etagMatches(undefined, '"b"')]).toEqual([true, true, true, false, false]);
  });

  test('a clean 200 is stored with its ETag and served from the cache first after; 304 on a match; anything else is no-store', async () => {
    const cache = new PublicResponseCache({ maxEntries: 10, maxBytes: 1 << 20, ttlSeconds: 60 });
    cache.setLive(true);
    const logger = capturingLogger();
    const { app, calls } = await appWith(async (api) => {
      await api.register(publicCacheStore, { cache, config });
      // What the database layer does for a read: tag the response with the tenant it read.
      api.addHook('preHandler', async (request) => { request.graphql.stats.readTags?.add('org-1'); });
    }, (body) => (body === undefined ? { text: '{"data":{"page":1}}' } : { text: '{"data":null,"errors":[{"message":"x"}]}' }),
    publicCacheHits({ cache, config, now: () => new Date('2026-03-10T12:00:00Z'), logger }));
    const url = '/graphql?query=%7Bpage%7D';
    const miss = await call(app, { url, headers: preflight });
    expect([miss.statusCode, miss.headers['x-cache'], miss.headers['cache-control'], miss.headers.vary]).toEqual([200, 'miss', `public, max-age=${config.publicCache.httpMaxAgeSeconds}`, 'Accept, Authorization, X-Org']);
    const hit = await call(app, { url, headers: { ...preflight, 'x-request-id': 'hit-1' } });
    expect([hit.statusCode, hit.headers['x-cache'], hit.headers.etag, hit.headers['x-request-id'], hit.body]).toEqual([200, 'hit', miss.headers.etag, 'hit-1', '{"data":{"page":1}}']);
    expect(logger.lines).toEqual([{ level: 'request', message: 'request', data: { requestId: 'hit-1', org: null, operation: null, status: 200, durationMs: expect.any(Number), statements: 0 } }]);
    const notModified = await call(app, { url, headers: { ...preflight, 'if-none-match': String(miss.headers.etag) } });
    expect([notModified.statusCode, notModified.body, notModified.headers.etag, notModified.headers['cache-control']]).toEqual([304, '', miss.headers.etag, `public, max-age=${config.publicCache.httpMaxAgeSeconds}`]);
    expect(calls.count).toBe(1);
    const credentials = await call(app, { url, headers: { ...preflight, authorization: 'Bearer x' } });
    expect([credentials.headers['x-cache'], credentials.headers['cache-control']]).toEqual([undefined, 'no-store']);
    const post = await call(app, { method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(post.headers['cache-control']).toBe('no-store');
    cache.invalidate('org-1');
    expect((await call(app, { url, headers: preflight })).headers['x-cache']).toBe('miss');
    expect(calls.count).toBe(4);
    await app.close();
  });
});

describe('rate-limit.plugin.ts', () => {
  test('anonymous requests are counted per address before the body is read: RateLimit headers, then 429 with Retry-After', async () => {
    const limiter = await RateLimiter.create({ redisUrl: null, keyPrefix: 'stages', logger: capturingLogger() });
    const limits = new RequestLimits(limiter, { perIpPerMinute: 2, perPrincipalPerMinute: 5, keyPrefix: 'stages' }, () => new Date('2026-03-10T12:00:15Z'));
    const { app, calls } = await appWith(async (api) => {
      await api.register(limits.plugin);
      await api.register(graphqlBody);
    });
    const statuses = [];
    for (let i = 0; i < 2; i++) {
      const r = await call(app, { method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: '{}' });
      statuses.push([r.statusCode, r.headers['ratelimit-limit'], r.headers['ratelimit-remaining'], r.headers['ratelimit-reset'], r.headers['ratelimit-policy']]);
    }
    expect(statuses).toEqual([[200, '2', '1', '45', '2;w=60'], [200, '2', '0', '45', '2;w=60']]);
    const refused = await call(app, { method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: '{not json' });
    expect([refused.statusCode, refused.headers['retry-after'], refused.json()]).toEqual([429, '45', { errors: [{ message: 'Too many requests from this address: 2 a minute', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 45 } }] }]);
    // With credentials, the address is counted once the caller is known (in the GraphQL context), not here.
    expect((await call(app, { url: '/graphql', headers: { authorization: 'Bearer x' } })).statusCode).toBe(200);
    expect(calls.count).toBe(3);
    await app.close();
    await limiter.close();
  });
});

describe('body.ts', () => {
  test('JSON bodies are parsed (400 when malformed), other types passed as text, over 1 MiB refused with 413', async () => {
    const { app } = await appWith(async (api) => api.register(graphqlBody), (body) => ({ text: JSON.stringify({ data: { body } }) }));
    const post = (type: string, payload: string) => call(app, { method: 'POST', url: '/graphql', headers: { 'content-type': type }, payload });
    expect((await post('application/json; charset=utf-8', '{"query":"{ a }"}')).json()).toEqual({ data: { body: { query: '{ a }' } } });
    expect((await post('text/plain', '{ a }')).json()).toEqual({ data: { body: '{ a }' } });
    const broken = await post('application/json', '{"query": ');
    expect([broken.statusCode, broken.json()]).toEqual([400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] }]);
    const big = await post('application/json', JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }));
    expect([big.statusCode, big.json().errors[0]]).toEqual([413, { message: 'Request body over 1048576 bytes', extensions: { code: 'BAD_REQUEST' } }]);
    await app.close();
  });
});

describe('operations.plugin.ts', () => {
  test('registered mode runs manifest operations only, by hash or exact text', async () => {
    const body = 'query Page { __typename }';
    const manifest = new Map<string, RegisteredOperation>([[sha256Hex(body), { id: sha256Hex(body), name: 'Page', type: 'query', body }]]);
    const { app, calls } = await appWith(async (api) => {
      await api.register(graphqlBody);
      await api.register(registeredOperations, { manifest });
    });
    const post = (payload: unknown) => call(app, { method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    expect((await post({ query: body })).statusCode).toBe(200);
    expect((await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(body) } } })).statusCode).toBe(200);
    const other = await post({ query: '{ __typename }' });
    expect([other.statusCode, other.json().errors[0].extensions.code]).toEqual([400, 'PERSISTED_QUERY_NOT_REGISTERED']);
    const byGet = await call(app, { url: `/graphql?query=${encodeURIComponent(body)}`, headers: preflight });
    expect(byGet.statusCode).toBe(200);
    expect(calls.count).toBe(3);
    await app.close();
  });
});

describe('graphql.ts', () => {
  test('under application/json, parse, validation and variable errors are 200; nothing else is relaxed', () => {
    const errors = (...codes: string[]) => JSON.stringify({ errors: codes.map((code) => ({ message: 'x', extensions: { code } })) });
    expect(legacyJsonRequestError('application/json; charset=utf-8', errors('GRAPHQL_PARSE_FAILED'))).toBe(true);
    expect(legacyJsonRequestError('application/json', errors('GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT'))).toBe(true);
    expect(legacyJsonRequestError('application/graphql-response+json', errors('GRAPHQL_PARSE_FAILED'))).toBe(false);
    expect(legacyJsonRequestError('application/json', errors('GRAPHQL_VALIDATION_FAILED', 'DEPTH_LIMIT_EXCEEDED'))).toBe(false);
    expect(legacyJsonRequestError('application/json', errors('RATE_LIMITED'))).toBe(false);
    expect(legacyJsonRequestError('application/json', JSON.stringify({ data: null, errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] }))).toBe(false);
    expect(legacyJsonRequestError(undefined, errors('GRAPHQL_PARSE_FAILED'))).toBe(false);
  });

  test('the operation name for logs comes from the body, else the query string, and only when it is a plain name', () => {
    expect(operationNameOf({ operationName: 'Page' }, { operationName: 'Other' })).toBe('Page');
    expect(operationNameOf(undefined, { operationName: 'Page' })).toBe('Page');
    expect(operationNameOf(undefined, { operationName: ['First', 'Second'] })).toBe('First');
    expect(operationNameOf({ operationName: 'bad name' }, {})).toBeNull();
    expect(operationNameOf('text body', {})).toBeNull();
  });
});

