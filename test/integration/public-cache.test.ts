import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANY_TENANT, PublicResponseCache } from '../../src/http/public-cache';
import { sha256Hex } from '../../src/http/operations';
import { createAttestation, createOrg, expectNoErrors, type TestOrg } from '../support/factories';
import { createDocumentWithFile, publishNda } from '../support/documents';
import { startTestApp, type TestApp } from '../support/harness';
import { waitFor } from '../support/wait';

const PAGE = `query PublicPage($slug: String!) {
  trustCenter(slug: $slug) {
    name headline description status
    attestations { edges { node { id framework socType periodEnd freshness { state ageDays expiresOn coveredThrough } } } }
    documents { edges { node { id title visibility } } }
    nda { version }
    subprocessors { name }
  }
}`;

/** What a browser or CDN sends: a GET with the query in the URL and a CSRF-safe header. */
async function getPage(app: TestApp, slug: string, headers: Record<string, string> = {}, query = PAGE): Promise<{ status: number; headers: Headers; text: string }> {
  const url = `${app.url}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ slug }))}`;
  const res = await fetch(url, { headers: { 'apollo-require-preflight': 'true', ...headers } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The same read, uncached (POST), for comparison. */
async function postPage(app: TestApp, slug: string): Promise<string> {
  const r = await app.gql(PAGE, { variables: { slug } });
  return JSON.stringify({ data: r.data });
}

const normalize = (text: string): string => JSON.stringify({ data: JSON.parse(text).data });

async function untilFresh(app: TestApp, slug: string): Promise<{ cached: string; fresh: string }> {
  // Invalidation arrives by NOTIFY after commit: wait for the GET to agree with an uncached read (a missed
  // invalidation would serve the old page until the entry's TTL: the wait then fails, naming it).
  const fresh = await postPage(app, slug);
  const cached = await waitFor('the cached page to be invalidated', async () => {
    const text = normalize((await getPage(app, slug)).text);
    return text === fresh ? text : null;
  }, { timeoutMs: 10_000, intervalMs: 20 });
  return { cached, fresh };
}

/** The page once the cache answers it (the first GET after a miss fills it; an invalidation may land in between). */
function eventuallyHit(app: TestApp, slug: string): Promise<{ status: number; headers: Headers; text: string }> {
  return waitFor('a cache hit', async () => {
    const page = await getPage(app, slug);
    return page.headers.get('x-cache') === 'hit' ? page : null;
  }, { timeoutMs: 10_000, intervalMs: 20 });
}

describe('public response cache: anonymous GETs, invalidated by PostgreSQL NOTIFY', () => {
  let app: TestApp;
  let vendor: TestOrg;

  beforeAll(async () => {
    app = await startTestApp();
    vendor = await createOrg(app, { publish: true, prefix: 'cache' });
    await createAttestation(app, vendor, {}, true);
  });
  afterAll(async () => app.close());

  test('a repeated anonymous GET is served from the cache, with ETag and a public Cache-Control; If-None-Match answers 304', async () => {
    await app.gql(`mutation { updateTrustCenter(input: { headline: "first" }) { errors { code } } }`, { token: vendor.owner.token, org: vendor.slug });
    const first = await getPage(app, vendor.slug);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text).errors).toBeUndefined();
    // The write's NOTIFY may land while the first GET runs (then it is not stored): the page is a hit soon after.
    const second = await eventuallyHit(app, vendor.slug);
    expect(second.text).toBe(first.text);
    const etag = second.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(second.headers.get('cache-control')).toBe('public, max-age=30');
    expect(second.headers.get('vary')).toContain('Authorization');
    const revalidated = await getPage(app, vendor.slug, { 'if-none-match': etag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.text).toBe('');
  });

  test('every kind of public write is seen by the next GET (the cached page equals an uncached read)', async () => {
    const token = vendor.owner.token;
    const writes: [string, () => Promise<unknown>][] = [
      ['trust center profile', async () => expect(expectNoErrors(await app.gql(`mutation { updateTrustCenter(input: { description: "changed ${Date.now()}" }) { errors { code } } }`, { token, org: vendor.slug })).updateTrustCenter.errors).toEqual([])],
      ['a new published attestation', () => createAttestation(app, vendor, { periodStart: '2025-10-01', periodEnd: '2026-09-30', issueDate: '2026-10-15', title: 'SOC 2 Type II 2026' }, true)],
      ['a public document with its file', () => createDocumentWithFile(app, vendor, { title: 'Public policy', kind: 'POLICY', visibility: 'PUBLIC' })],
      ['a published NDA', () => publishNda(app, vendor)],
      ['a subprocessor', async () => expectNoErrors(await app.gql(`mutation { addSubprocessor(input: { name: "Cloud Co", purpose: "Hosting", location: "EU" }) { name } }`, { token, org: vendor.slug }))],
      ['the organization row itself (name)', () => app.owner.query(`UPDATE organizations SET name = name || ' Inc' WHERE id = $1`, [vendor.id])],
    ];
    for (const [what, write] of writes) {
      expect((await eventuallyHit(app, vendor.slug)).headers.get('x-cache')).toBe('hit');
      const before = normalize((await getPage(app, vendor.slug)).text);
      await write();
      const { cached, fresh } = await untilFresh(app, vendor.slug);
      expect({ what, changed: fresh !== before }).toEqual({ what, changed: true });
      expect({ what, cached }).toEqual({ what, cached: fresh });
    }
  });

  test('unpublishing removes the page from the cache at once (NOT_FOUND, never a stale copy)', async () => {
    const other = await createOrg(app, { publish: true, prefix: 'unpub' });
    expect((await eventuallyHit(app, other.slug)).headers.get('x-cache')).toBe('hit');
    expectNoErrors(await app.gql(`mutation { unpublishTrustCenter { errors { code } } }`, { token: other.owner.token, org: other.slug }));
    const last = await waitFor('the unpublished page to be gone', async () => {
      const page = await getPage(app, other.slug);
      return JSON.parse(page.text).errors ? page : null;
    }, { timeoutMs: 10_000, intervalMs: 20 });
    expect(JSON.parse(last.text).errors[0].extensions.code).toBe('NOT_FOUND');
    expect(last.headers.get('cache-control')).toBe('no-store');
  });

  test('authenticated GETs, errors and POSTs are never cached and say no-store', async () => {
    const asMember = await getPage(app, vendor.slug, { authorization: `Bearer ${vendor.owner.token}` });
    expect(asMember.status).toBe(200);
    expect(asMember.headers.get('cache-control')).toBe('no-store');
    expect(asMember.headers.get('x-cache')).toBeNull();
    const withOrg = await getPage(app, vendor.slug, { authorization: `Bearer ${vendor.owner.token}`, 'x-org': vendor.slug });
    expect(withOrg.headers.get('cache-control')).toBe('no-store');
    const missing = await getPage(app, 'no-such-vendor-anywhere');
    expect(JSON.parse(missing.text).errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await getPage(app, 'no-such-vendor-anywhere')).headers.get('x-cache')).toBeNull();
    const post = await app.gql(PAGE, { variables: { slug: vendor.slug } });
    expect(post.headers.get('cache-control')).toBe('no-store');
  });

  test('a GET without a CSRF-safe header is refused, even when the page is cached', async () => {
    await getPage(app, vendor.slug);
    const url = `${app.url}?query=${encodeURIComponent(PAGE)}&variables=${encodeURIComponent(JSON.stringify({ slug: vendor.slug }))}`;
    const res = await fetch(url);
    expect(res.status).toBe(400);
  });

  test('a second server on the same database drops its copy when the first one writes', async () => {
    const other = await startTestApp();
    try {
      expect((await eventuallyHit(other, vendor.slug)).headers.get('x-cache')).toBe('hit');
      await app.gql(`mutation { updateTrustCenter(input: { headline: "seen by both ${Date.now()}" }) { errors { code } } }`, { token: vendor.owner.token, org: vendor.slug });
      const { cached, fresh } = await untilFresh(other, vendor.slug);
      expect(cached).toBe(fresh);
      expect(JSON.parse(cached).data.trustCenter.headline).toMatch(/^seen by both/);
    } finally {
      await other.close();
    }
  });

  test('the day rolls over: the key holds the date, so freshness is recomputed for the new day', async () => {
    let now = new Date('2026-11-26T23:59:59Z');
    const clocked = await startTestApp({ now: () => now });
    try {
      expect((await eventuallyHit(clocked, vendor.slug)).headers.get('x-cache')).toBe('hit');
      now = new Date('2026-11-27T00:00:01Z');
      expect((await getPage(clocked, vendor.slug)).headers.get('x-cache')).toBe('miss');
    } finally {
      await clocked.close();
    }
  });
});

describe('PublicResponseCache rules', () => {
  const cache = (clock?: () => number) => {
    const c = new PublicResponseCache({ maxEntries: 3, maxBytes: 1024 * 1024, ttlSeconds: 60, clock });
    c.setLive(true);
    return c;
  };
  const response = (body: string) => ({ body, etag: `"${body}"`, contentType: 'application/json' });

  test('a response computed while one of its tenants was invalidated is not stored; other tenants do not matter', () => {
    const c = cache();
    const generation = c.currentGeneration();
    c.invalidate('org-1');
    expect(c.set('k', response('old'), ['org-1'], generation)).toBe(false);
    expect(c.get('k')).toBeUndefined();
    expect(c.set('k2', response('other'), ['org-2'], generation)).toBe(true);
    expect(c.set('k3', response('any'), [ANY_TENANT], generation)).toBe(false);
  });

  test('invalidation drops the entries of that tenant and every entry that read no single tenant', () => {
    const c = cache();
    c.set('a', response('a'), ['org-1'], c.currentGeneration());
    c.set('b', response('b'), ['org-2'], c.currentGeneration());
    c.set('star', response('s'), [ANY_TENANT], c.currentGeneration());
    c.invalidate('org-1');
    expect(c.get('a')).toBeUndefined();
    expect(c.get('star')).toBeUndefined();
    expect(c.get('b')?.body).toBe('b');
  });

  test('off while the listener is down, emptied when it comes back; bounded by entries and by time', () => {
    let t = 0;
    const c = cache(() => t);
    c.set('a', response('a'), ['o'], c.currentGeneration());
    c.setLive(false);
    expect(c.get('a')).toBeUndefined();
    expect(c.set('a', response('a'), ['o'], c.currentGeneration())).toBe(false);
    c.setLive(true);
    expect(c.size).toBe(0);
    for (const k of ['1', '2', '3', '4']) c.set(k, response(k), ['o'], c.currentGeneration());
    expect(c.size).toBe(3);
    expect(c.get('1')).toBeUndefined();
    t += 61_000;
    expect(c.get('4')).toBeUndefined();
  });

  test('an entry with no tags is never stored (nothing could invalidate it)', () => {
    const c = cache();
    expect(c.set('k', response('x'), [], c.currentGeneration())).toBe(false);
  });
});

describe('automatic persisted queries', () => {
  let app: TestApp;
  let vendor: TestOrg;
  beforeAll(async () => {
    app = await startTestApp();
    vendor = await createOrg(app, { publish: true, prefix: 'apq' });
  });
  afterAll(async () => app.close());

  const QUERY = `query ApqPage($slug: String!) { trustCenter(slug: $slug) { name slug } }`;
  const byHash = (base: string, hash: string, slug: string) =>
    `${base}?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }))}&variables=${encodeURIComponent(JSON.stringify({ slug }))}`;

  test('unknown hash, then register with the text, then any server answers the hash alone (shared through PostgreSQL)', async () => {
    const query = `${QUERY} # ${Date.now()}`;
    const hash = sha256Hex(query);
    const headers = { 'apollo-require-preflight': 'true' };
    const unknown = (await (await fetch(byHash(app.url, hash, vendor.slug), { headers })).json()) as any;
    expect(unknown.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await fetch(app.url, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: { slug: vendor.slug }, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
    });
    expect(((await register.json()) as any).data.trustCenter.slug).toBe(vendor.slug);
    const other = await startTestApp();
    try {
      const res = await fetch(byHash(other.url, hash, vendor.slug), { headers });
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).data.trustCenter.slug).toBe(vendor.slug);
      expect(res.headers.get('cache-control')).toBe('public, max-age=30');
    } finally {
      await other.close();
    }
  });

  test('a hash that does not match the text is refused', async () => {
    const res = await fetch(app.url, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: QUERY, variables: { slug: vendor.slug }, extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].message).toMatch(/sha does not match/);
  });
});

describe('registered-operations-only mode', () => {
  const REGISTERED = 'query Registered($slug: String!) { trustCenter(slug: $slug) { name } }';
  let app: TestApp;
  let vendor: TestOrg;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-manifest-'));
    const file = path.join(dir, 'operations.json');
    writeFileSync(file, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256Hex(REGISTERED), name: 'Registered', type: 'query', body: REGISTERED }] }));
    app = await startTestApp({ env: { GRAPHQL_OPERATIONS: 'registered', GRAPHQL_OPERATIONS_MANIFEST: file } });
    const setup = await startTestApp();
    vendor = await createOrg(setup, { publish: true, prefix: 'registered' });
    await setup.close();
  });
  afterAll(async () => app.close());

  test('a registered operation runs by hash or by its exact text; anything else is refused with a code', async () => {
    const viaHash = await fetch(app.url, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ variables: { slug: vendor.slug }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(REGISTERED) } } }),
    });
    expect(((await viaHash.json()) as any).data.trustCenter.name).toBe(`Org ${vendor.slug}`);
    const viaText = await app.gql(REGISTERED, { variables: { slug: vendor.slug } });
    expect(viaText.data?.trustCenter.name).toBe(`Org ${vendor.slug}`);
    const other = await app.gql('{ trustCenter(slug: "x") { name slug } }');
    expect(other.status).toBe(400);
    expect(other.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_REGISTERED');
    const unknownHash = await app.gql('', { headers: {} });
    expect(unknownHash.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_REGISTERED');
  });

  test('a manifest whose id is not the sha256 of its body stops the server at boot with the reason', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-manifest-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'a'.repeat(64), name: 'X', type: 'query', body: '{ viewer { user { id } } }' }] }));
    await expect(startTestApp({ env: { GRAPHQL_OPERATIONS: 'registered', GRAPHQL_OPERATIONS_MANIFEST: file } })).rejects.toThrow(/GRAPHQL_OPERATIONS_MANIFEST: .*bad\.json: operations\[0\] \(X\): "id" is not the sha256 of "body"/);
  });
});
