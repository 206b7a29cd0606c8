import { createHmac, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import net from 'node:net';
import jwt from 'jsonwebtoken';
import { startTestApp, TEST_JWT_SECRET, uniqueSuffix, type TestApp } from '../support/harness';
import { createAttestation, createOrg, expectNoErrors, type TestOrg } from '../support/factories';
import { tenantRowsSnapshot } from '../support/documents';
import type { TokenRejection } from '../../src/modules/auth/jwt';

/**
 * Token attacks against the real HTTP server (bearer JWTs and API keys). Every refused case asserts the HTTP status,
 * `extensions.code` and `extensions.reason`, and that nothing was written for the forged identity (no user row for a
 * forged JWT subject; no tenant row changed for a refused API key).
 *
 * Already covered elsewhere, not repeated here:
 * - an unverified `email_verified` claim gains no domain auto-approval: test/integration/hardening.test.ts,
 *   'domain auto-approval needs an email the identity provider verified'.
 * - the pure verifier (every TokenRejection, ES256): test/unit/jwt.test.ts.
 *
 * KNOWN_GAPS: behaviours this suite found that are not ideal but not exploitable on their own; each test below that
 * pins one names it. Fix src/, then tighten the pinned test.
 */
export const KNOWN_GAPS = {
  // Fixed since this suite found them: two Authorization lines are now refused with 400, and a malformed header shape
  // answers reason MALFORMED like every other token refusal.
  /**
   * A correctly signed token whose header names an unknown `kid` is ACCEPTED: the server has exactly one pinned key and
   * ignores `kid` (jsonwebtoken never reads it). Not exploitable (the signature must still verify with the pinned key),
   * but an identity provider rotating keys would expect unknown kids to be refused.
   */
  UNKNOWN_KID_IGNORED_WHEN_SIGNATURE_VALID: 'kid is ignored; a valid signature with an unknown kid is accepted',
} as const;

const pem = { type: 'spki', format: 'pem' } as const;
const pkcs8 = { type: 'pkcs8', format: 'pem' } as const;
const idp = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: pem, privateKeyEncoding: pkcs8 });
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: pem, privateKeyEncoding: pkcs8 });

const HS = { issuer: 'trust-portal-dev', audience: 'trust-portal' };
const RS = { issuer: 'https://idp.example.test/', audience: 'trust-portal-api' };

let hs: TestApp;
let rs: TestApp;
beforeAll(async () => {
  [hs, rs] = await Promise.all([
    startTestApp(),
    // An RS256 deployment: JWT_SECRET blanked (the config refuses both), the identity provider's public key pinned.
    startTestApp({ env: { JWT_SECRET: '', JWT_PUBLIC_KEY: idp.publicKey, JWT_ALGORITHM: 'RS256', JWT_ISSUER: RS.issuer, JWT_AUDIENCE: RS.audience } }),
  ]);
});
afterAll(async () => {
  await Promise.all([hs?.close(), rs?.close()]);
});

const VIEWER = `{ viewer { user { email } } }`;
const ORG_QUERY = `{ organization { slug } }`;
const nowS = (): number => Math.floor(Date.now() / 1000);
const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Claims valid now for the given server; each call gets a fresh subject and email so "no user row" is checkable. */
function claims(server: { issuer: string; audience: string }, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const tag = uniqueSuffix();
  return { sub: `forged|${tag}`, email: `forged-${tag}@attacker.test`, email_verified: true, iss: server.issuer, aud: server.audience, iat: nowS() - 5, exp: nowS() + 600, ...overrides };
}

/** A compact JWS with any header; HMAC-SHA256 signature under `hmacKey`, or an empty signature when undefined. */
function handMade(header: Record<string, unknown>, payload: Record<string, unknown>, hmacKey?: string | Buffer, trailingDot = true): string {
  const signingInput = `${b64url(header)}.${b64url(payload)}`;
  if (hmacKey === undefined) return trailingDot ? `${signingInput}.` : signingInput;
  return `${signingInput}.${createHmac('sha256', hmacKey).update(signingInput).digest('base64url')}`;
}

const signHs = (payload: Record<string, unknown>, header: Record<string, unknown> = {}): string =>
  jwt.sign(payload, TEST_JWT_SECRET, { algorithm: 'HS256', header: { alg: 'HS256', typ: 'JWT', ...header } });
const signRs = (payload: Record<string, unknown>, key = idp.privateKey, header: Record<string, unknown> = {}): string =>
  jwt.sign(payload, key, { algorithm: 'RS256', header: { alg: 'RS256', typ: 'JWT', ...header } });

interface RawResponse {
  status: number;
  body: { data?: any; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] } | null;
  text: string;
}

/** POSTs a query with exactly the given headers (no harness defaults), never throwing on a non-JSON answer. */
async function post(app: TestApp, query: string, headers: Record<string, string>): Promise<RawResponse> {
  const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  const text = await res.text();
  let body: RawResponse['body'] = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, body, text };
}

/**
 * A request written byte by byte on a socket, so a header line can repeat (fetch and node:http join or refuse repeats).
 * HTTP/1.0, so the answer is neither chunked nor kept alive: the body is everything after the blank line.
 */
function postRawHeaders(app: TestApp, query: string, rawHeaders: [string, string][]): Promise<RawResponse> {
  const url = new URL(app.url);
  const payload = JSON.stringify({ query });
  const head = [`POST ${url.pathname} HTTP/1.0`, `Host: ${url.host}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`, ...rawHeaders.map(([k, v]) => `${k}: ${v}`)];
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(`${head.join('\r\n')}\r\n\r\n${payload}`));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const bodyText = text.slice(text.indexOf('\r\n\r\n') + 4);
      let body: RawResponse['body'] = null;
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = null;
      }
      resolve({ status, body, text });
    });
  });
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function userRows(app: TestApp, token: Record<string, unknown> | null, extra: { subject?: string; email?: string } = {}): Promise<number> {
  const subject = extra.subject ?? (token?.sub as string | undefined) ?? '\u0000none';
  const email = extra.email ?? (token?.email as string | undefined) ?? '\u0000none';
  const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM users WHERE subject = $1 OR lower(email) = lower($2)`, [subject.replace(/\u0000/g, ''), email.replace(/\u0000/g, '')]);
  return rows[0].n;
}

/** 401 UNAUTHENTICATED with exactly this reason (undefined: the header-shape refusals, see KNOWN_GAPS). */
function expectRefused(r: RawResponse, reason: TokenRejection | 'REVOKED' | undefined): void {
  expect({ status: r.status, code: r.body?.errors?.[0]?.extensions?.code, reason: r.body?.errors?.[0]?.extensions?.reason, data: r.body?.data ?? null }).toEqual({
    status: 401,
    code: 'UNAUTHENTICATED',
    reason,
    data: null,
  });
}

/** Sends `token` to `app`, expects the refusal, then checks no user row exists for the claims' subject or email. */
async function refusedWithoutUser(app: TestApp, token: string, payload: Record<string, unknown> | null, reason: TokenRejection | undefined, query = VIEWER): Promise<void> {
  const r = await post(app, query, bearer(token));
  expectRefused(r, reason);
  if (payload) expect(await userRows(app, payload)).toBe(0);
}

describe('JWT: algorithm attacks', () => {
  it('sanity: a genuine token is accepted by each server (the refusals below are not a broken setup)', async () => {
    const hsClaims = claims(HS);
    const ok = await post(hs, VIEWER, bearer(signHs(hsClaims)));
    expect([ok.status, ok.body?.errors, ok.body?.data?.viewer?.user?.email]).toEqual([200, undefined, hsClaims.email]);
    const rsClaims = claims(RS);
    const rsOk = await post(rs, VIEWER, bearer(signRs(rsClaims)));
    expect([rsOk.status, rsOk.body?.errors, rsOk.body?.data?.viewer?.user?.email]).toEqual([200, undefined, rsClaims.email]);
    expect(await userRows(rs, rsClaims)).toBe(1);
  });

  it.each([
    ['HS256 server', () => hs, HS],
    ['RS256 server', () => rs, RS],
  ] as const)('alg "none", unsigned, with a trailing dot (%s): BAD_SIGNATURE', async (_name, app, server) => {
    for (const alg of ['none', 'None', 'NONE']) {
      const payload = claims(server);
      const token = handMade({ alg, typ: 'JWT' }, payload);
      expect(token.endsWith('.')).toBe(true);
      await refusedWithoutUser(app(), token, payload, 'BAD_SIGNATURE');
    }
  });

  it.each([
    ['HS256 server', () => hs, HS],
    ['RS256 server', () => rs, RS],
  ] as const)('alg "none", unsigned, without the trailing dot (two segments) (%s): MALFORMED', async (_name, app, server) => {
    const payload = claims(server);
    await refusedWithoutUser(app(), handMade({ alg: 'none', typ: 'JWT' }, payload, undefined, false), payload, 'MALFORMED');
  });

  it('alg "none" on an org-scoped query with X-Org of a real org: still 401, the org unchanged', async () => {
    const org = await createOrg(hs);
    const before = await tenantRowsSnapshot(hs, org.id);
    const payload = claims(HS, { sub: `test|${org.owner.email}`, email: org.owner.email });
    const r = await post(hs, `mutation { publishTrustCenter { errors { code } } }`, { ...bearer(handMade({ alg: 'none' }, payload)), 'x-org': org.slug });
    expectRefused(r, 'BAD_SIGNATURE');
    expect(await tenantRowsSnapshot(hs, org.id)).toEqual(before);
  });

  it('key confusion: HS256 signed with the RS256 public key PEM as the HMAC secret, against the RS256 server: BAD_SIGNATURE', async () => {
    // The PEM as published (with its trailing newline), the PEM as the server holds it (trimmed), and the DER bytes.
    const der = Buffer.from(idp.publicKey.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    for (const secret of [idp.publicKey, idp.publicKey.trim(), der]) {
      const payload = claims(RS);
      await refusedWithoutUser(rs, handMade({ alg: 'HS256', typ: 'JWT' }, payload, secret), payload, 'BAD_SIGNATURE');
    }
  });

  it('an HS256 token signed with the (former) shared secret is refused by the RS256 server: BAD_SIGNATURE', async () => {
    const payload = claims(RS);
    await refusedWithoutUser(rs, signHs(payload), payload, 'BAD_SIGNATURE');
  });

  it('an RS256 token (even signed by a key the attacker owns) is refused by the HS256 server: BAD_SIGNATURE', async () => {
    for (const key of [attacker.privateKey, idp.privateKey]) {
      const payload = claims(HS);
      await refusedWithoutUser(hs, signRs(payload, key), payload, 'BAD_SIGNATURE');
    }
  });

  it('RS256 token signed by another key, and one embedding the attacker\'s key in a "jwk"/"jku" header: BAD_SIGNATURE', async () => {
    const payload = claims(RS);
    await refusedWithoutUser(rs, signRs(payload, attacker.privateKey), payload, 'BAD_SIGNATURE');
    const jwk = createPublicKey(attacker.publicKey).export({ format: 'jwk' });
    const embedded = claims(RS);
    await refusedWithoutUser(rs, signRs(embedded, attacker.privateKey, { jwk, jku: 'https://attacker.test/jwks.json' }), embedded, 'BAD_SIGNATURE');
  });

  it('HS512 / HS384 with the right secret (algorithm pinned to HS256): BAD_SIGNATURE', async () => {
    for (const algorithm of ['HS384', 'HS512'] as const) {
      const payload = claims(HS);
      await refusedWithoutUser(hs, jwt.sign(payload, TEST_JWT_SECRET, { algorithm }), payload, 'BAD_SIGNATURE');
    }
  });
});

describe('JWT: claims', () => {
  it.each([
    ['HS256', () => hs, HS, signHs],
    ['RS256', () => rs, RS, (p: Record<string, unknown>) => signRs(p)],
  ] as const)('expired (%s): EXPIRED, also beyond the 30 s clock tolerance only', async (_n, app, server, sign) => {
    const payload = claims(server, { iat: nowS() - 3600, exp: nowS() - 120 });
    await refusedWithoutUser(app(), sign(payload), payload, 'EXPIRED');
  });

  it.each([
    ['HS256', () => hs, HS, signHs],
    ['RS256', () => rs, RS, (p: Record<string, unknown>) => signRs(p)],
  ] as const)('not yet valid, nbf in the future (%s): NOT_YET_VALID', async (_n, app, server, sign) => {
    const payload = claims(server, { nbf: nowS() + 600 });
    await refusedWithoutUser(app(), sign(payload), payload, 'NOT_YET_VALID');
  });

  it('no exp claim: MISSING_EXP (HS256 and RS256)', async () => {
    const a = claims(HS);
    delete a.exp;
    await refusedWithoutUser(hs, signHs(a), a, 'MISSING_EXP');
    const b = claims(RS);
    delete b.exp;
    await refusedWithoutUser(rs, signRs(b), b, 'MISSING_EXP');
  });

  it('exp that is not a number: refused as MALFORMED', async () => {
    const payload = claims(HS, { exp: String(nowS() + 600) });
    await refusedWithoutUser(hs, handMade({ alg: 'HS256', typ: 'JWT' }, payload, TEST_JWT_SECRET), payload, 'MALFORMED');
  });

  it('wrong issuer, no issuer: WRONG_ISSUER (and the HS256 issuer is not accepted by the RS256 server)', async () => {
    const other = claims(HS, { iss: 'https://evil.test/' });
    await refusedWithoutUser(hs, signHs(other), other, 'WRONG_ISSUER');
    const none = claims(HS);
    delete none.iss;
    await refusedWithoutUser(hs, signHs(none), none, 'WRONG_ISSUER');
    const crossed = claims(RS, { iss: HS.issuer });
    await refusedWithoutUser(rs, signRs(crossed), crossed, 'WRONG_ISSUER');
  });

  it('wrong audience, no audience, an audience list without ours: WRONG_AUDIENCE', async () => {
    const other = claims(HS, { aud: 'another-api' });
    await refusedWithoutUser(hs, signHs(other), other, 'WRONG_AUDIENCE');
    const none = claims(HS);
    delete none.aud;
    await refusedWithoutUser(hs, signHs(none), none, 'WRONG_AUDIENCE');
    const list = claims(RS, { aud: ['another-api', 'trust-portal'] });
    await refusedWithoutUser(rs, signRs(list), list, 'WRONG_AUDIENCE');
  });

  it('tampered payload (sub and email changed, signature kept): BAD_SIGNATURE, no row for the forged subject', async () => {
    const victim = await createOrg(hs);
    const genuine = claims(HS);
    for (const [app, token] of [[hs, signHs(genuine)], [rs, signRs(claims(RS))]] as const) {
      const [header, , signature] = token.split('.');
      const forgedClaims = { ...(jwt.decode(token) as Record<string, unknown>), sub: `test|${victim.owner.email}-x`, email: `admin-${uniqueSuffix()}@attacker.test` };
      const forged = `${header}.${b64url(forgedClaims)}.${signature}`;
      await refusedWithoutUser(app, forged, forgedClaims, 'BAD_SIGNATURE');
      // Same payload bytes as the original but the signature flipped in one character.
      const flipped = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
      expectRefused(await post(app, VIEWER, bearer(flipped)), 'BAD_SIGNATURE');
    }
    // Tampering the victim's identity in: their email with an attacker's subject, on an org-scoped query.
    const takeover: Record<string, unknown> = { ...claims(HS), email: victim.owner.email };
    const [h, , s] = signHs(claims(HS)).split('.');
    expectRefused(await post(hs, ORG_QUERY, { ...bearer(`${h}.${b64url(takeover)}.${s}`), 'x-org': victim.slug }), 'BAD_SIGNATURE');
    expect(await userRows(hs, null, { subject: takeover.sub as string })).toBe(0);
  });
});

describe('JWT: size and shape', () => {
  it('a correctly signed token over 8 KB: MALFORMED (refused before parsing), no user row', async () => {
    const payload = claims(HS, { padding: 'x'.repeat(9000) });
    const token = signHs(payload);
    expect(token.length).toBeGreaterThan(8192);
    await refusedWithoutUser(hs, token, payload, 'MALFORMED');
    // An oversized header segment (padding in the JOSE header) as well.
    const big = claims(HS);
    await refusedWithoutUser(hs, signHs(big, { x: 'y'.repeat(9000) }), big, 'MALFORMED');
  });

  it('a huge Authorization header (100 KB and 1 MB) is refused by the HTTP layer cleanly (4xx, never 5xx), and the server still answers', async () => {
    for (const size of [100_000, 1_000_000]) {
      const r = await post(hs, VIEWER, { authorization: `Bearer ${'a'.repeat(size)}` }).catch((e: Error) => ({ status: -1, body: null, text: e.message }));
      // Node's parser answers 431 Request Header Fields Too Large (its default limit is 16 KB); it may also cut the
      // connection, which fetch reports as an error (-1). Both are clean refusals; a 5xx is not.
      expect([431, -1]).toContain(r.status);
    }
    // A header under Node's limit but over the token cap reaches the verifier: 401 MALFORMED.
    expectRefused(await post(hs, VIEWER, { authorization: `Bearer ${'a'.repeat(12_000)}` }), 'MALFORMED');
    const ok = await post(hs, VIEWER, bearer(signHs(claims(HS))));
    expect(ok.status).toBe(200);
  });

  it('unknown kid: refused whenever the signature is not the pinned key\'s; a kid never selects another key', async () => {
    // kid path traversal / SQL-ish kid with the "key" being empty or the contents of /dev/null.
    for (const kid of ['../../../../dev/null', "x' UNION SELECT 'k", 'unknown-key-2']) {
      for (const secret of ['', 'attacker-secret-0123456789-abcdefghijklmnop']) {
        const payload = claims(HS);
        await refusedWithoutUser(hs, handMade({ alg: 'HS256', typ: 'JWT', kid }, payload, secret), payload, 'BAD_SIGNATURE');
      }
      const rsPayload = claims(RS);
      await refusedWithoutUser(rs, signRs(rsPayload, attacker.privateKey, { kid }), rsPayload, 'BAD_SIGNATURE');
    }
    // KNOWN_GAPS.UNKNOWN_KID_IGNORED_WHEN_SIGNATURE_VALID: with the pinned key's signature, an unknown kid is accepted.
    const genuine = claims(RS);
    const accepted = await post(rs, VIEWER, bearer(signRs(genuine, idp.privateKey, { kid: 'never-issued' })));
    expect([accepted.status, accepted.body?.data?.viewer?.user?.email]).toEqual([200, genuine.email]);
  });

  it('garbage tokens after "Bearer": MALFORMED', async () => {
    for (const garbage of ['garbage', 'a.b', 'a.b.c', 'a.b.c.d', '..', '...', 'eyJhbGciOiJIUzI1NiJ9', `${b64url('{')}.${b64url('{}')}.x`, '%00', 'tpk_x']) {
      expectRefused(await post(hs, VIEWER, bearer(garbage)), 'MALFORMED');
    }
    // A non-JSON payload segment with a valid signature.
    const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url('not json')}`;
    expectRefused(await post(hs, VIEWER, bearer(`${input}.${createHmac('sha256', TEST_JWT_SECRET).update(input).digest('base64url')}`)), 'MALFORMED');
  });

  it('a signed token with no usable sub or email: MISSING_CLAIMS, no user row', async () => {
    const noSub = claims(HS);
    delete noSub.sub;
    await refusedWithoutUser(hs, signHs(noSub), noSub, 'MISSING_CLAIMS');
    for (const email of ['not-an-email', '', 42, `${'a'.repeat(320)}@x.test`]) {
      const p = claims(HS, { email });
      await refusedWithoutUser(hs, signHs(p), null, 'MISSING_CLAIMS');
      expect(await userRows(hs, null, { subject: p.sub as string })).toBe(0);
    }
  });

  it('empty bearer, "Bearer" alone, whitespace, "Bearer a b", other schemes, a no-break space: 401 MALFORMED', async () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer    ', 'Bearer a b', 'Basic dXNlcjpwYXNz', 'Token abc', `Bearer ${signHs(claims(HS))} extra`, 'Bearer\u00a0abc']) {
      expectRefused(await post(hs, ORG_QUERY, { authorization }), 'MALFORMED');
    }
  });

  it('an empty Authorization value is anonymous: org-scoped reads answer 401 (sign in), the viewer is null', async () => {
    const r = await post(hs, ORG_QUERY, { authorization: '' });
    expectRefused(r, undefined);
    const viewer = await post(hs, VIEWER, { authorization: '' });
    expect([viewer.status, viewer.body?.data]).toEqual([200, { viewer: null }]);
  });

  it('the scheme is case-insensitive (RFC 9110 11.1): "bearer" and "BEARER" carry a genuine token, and forged ones are still refused', async () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      const ok = claims(HS);
      const r = await post(hs, VIEWER, { authorization: `${scheme} ${signHs(ok)}` });
      expect([r.status, r.body?.data?.viewer?.user?.email]).toEqual([200, ok.email]);
      const forged = claims(HS);
      const refused = await post(hs, VIEWER, { authorization: `${scheme} ${handMade({ alg: 'none' }, forged)}` });
      expectRefused(refused, 'BAD_SIGNATURE');
      expect(await userRows(hs, forged)).toBe(0);
    }
  });

  it('two Authorization values joined in one header ("a, b"): 401', async () => {
    const genuine = signHs(claims(HS));
    const forged = handMade({ alg: 'none' }, claims(HS));
    for (const authorization of [`Bearer ${genuine}, Bearer ${forged}`, `Bearer ${forged}, Bearer ${genuine}`, `Bearer ${genuine},Bearer ${genuine}`]) {
      expectRefused(await post(hs, VIEWER, { authorization }), 'MALFORMED');
    }
  });

  it('two Authorization header lines are refused with 400, whichever comes first (no guessing which one a proxy used)', async () => {
    const genuineClaims = claims(HS);
    const forgedClaims = claims(HS);
    const genuine = signHs(genuineClaims);
    const forged = handMade({ alg: 'none' }, forgedClaims);
    for (const lines of [[forged, genuine], [genuine, forged], [genuine, genuine]]) {
      const r = await postRawHeaders(hs, VIEWER, lines.map((t) => ['authorization', `Bearer ${t}`] as [string, string]));
      expect([r.status, r.body?.errors?.[0]?.extensions?.code]).toEqual([400, 'BAD_REQUEST']);
    }
    expect(await userRows(hs, forgedClaims)).toBe(0);
  });
});

describe('API keys', () => {
  let org: TestOrg;
  let other: TestOrg;
  beforeAll(async () => {
    [org, other] = await Promise.all([createOrg(hs), createOrg(hs)]);
  });

  async function createKey(owner: TestOrg, scopes: string[]): Promise<{ id: string; secret: string }> {
    const r = expectNoErrors(await hs.gql(`mutation($s: [ApiKeyScope!]!) { createApiKey(input: { name: "partner", scopes: $s }) { apiKey { id } secret errors { code } } }`, { token: owner.owner.token, org: owner.slug, variables: { s: scopes } })).createApiKey;
    expect(r.errors).toEqual([]);
    return { id: r.apiKey.id, secret: r.secret };
  }

  /** Sends a key and asserts the refusal and that neither org's rows changed (lastUsedAt is never touched by a refusal). */
  async function keyRefused(secret: string, reason: TokenRejection | 'REVOKED', query = `mutation { publishTrustCenter { errors { code } } }`, headers: Record<string, string> = {}): Promise<void> {
    const before = await Promise.all([tenantRowsSnapshot(hs, org.id), tenantRowsSnapshot(hs, other.id)]);
    expectRefused(await post(hs, query, { ...bearer(secret), ...headers }), reason);
    expect(await Promise.all([tenantRowsSnapshot(hs, org.id), tenantRowsSnapshot(hs, other.id)])).toEqual(before);
  }

  it('a revoked key: 401 REVOKED, nothing written', async () => {
    const key = await createKey(org, ['PUBLISH']);
    expectNoErrors(await hs.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { errors { code } } }`, { token: org.owner.token, org: org.slug, variables: { id: key.id } }));
    await keyRefused(key.secret, 'REVOKED');
  });

  it('an expired key: 401 EXPIRED, nothing written', async () => {
    // createApiKey takes expiresInDays >= 1, and principal.ts checks expiry against the wall clock (new Date(), not the
    // harness `now`), so the expiry is moved into the past directly, as the owner.
    const key = await createKey(org, ['PUBLISH']);
    await hs.owner.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [key.id]);
    await keyRefused(key.secret, 'EXPIRED');
  });

  it('a key with the wrong scope calling a mutation that needs another: FORBIDDEN, nothing written', async () => {
    const attestationId = await createAttestation(hs, org);
    const cases: [string[], string, Record<string, unknown>][] = [
      [['READ'], `mutation { publishTrustCenter { errors { code } } }`, {}],
      [['READ', 'TRACKING'], `mutation($id: ID!) { publishAttestation(id: $id) { errors { code } } }`, { id: attestationId }],
      [['TRACKING'], `mutation { updateAccessPolicy(input: { ndaRequired: false }) { errors { code } } }`, {}],
      [['WEBHOOKS'], `mutation { createNdaTemplate(input: { title: "t", body: "a body long enough to be an NDA text" }) { errors { code } } }`, {}],
      [['PUBLISH'], `mutation { createWebhookEndpoint(input: { url: "https://example.com/hook" }) { errors { code } } }`, {}],
      [['MANAGE_ACCESS'], `mutation { createApiKey(input: { name: "escalate", scopes: [READ, PUBLISH] }) { errors { code } } }`, {}],
      [['PUBLISH', 'MANAGE_ACCESS', 'TRACKING', 'WEBHOOKS', 'READ'], `mutation($id: ID!) { rotateApiKey(id: $id) { errors { code } } }`, {}],
    ];
    for (const [scopes, query, variables] of cases) {
      const key = await createKey(org, scopes);
      const vars = 'id' in variables ? variables : query.includes('rotateApiKey') ? { id: key.id } : variables;
      const before = await tenantRowsSnapshot(hs, org.id);
      const r = await hs.gql(query, { token: key.secret, variables: vars });
      expect([scopes, r.errors?.map((e) => e.extensions?.code)]).toEqual([scopes, ['FORBIDDEN']]);
      const after = await tenantRowsSnapshot(hs, org.id);
      // The key's own last_used_at moves on first use (at most once a minute): that is the one expected change.
      const strip = (s: Record<string, unknown[]>) => ({ ...s, api_keys: (s.api_keys as Record<string, unknown>[]).map(({ last_used_at: _l, ...rest }) => rest) });
      expect(strip(after)).toEqual(strip(before));
    }
  });

  it('a key of org A with X-Org of org B (slug, id, upper case): 403 FORBIDDEN, B unchanged, never acts as B', async () => {
    const key = await createKey(org, ['PUBLISH', 'READ']);
    const beforeB = await tenantRowsSnapshot(hs, other.id);
    for (const xOrg of [other.slug, other.id, other.slug.toUpperCase(), ` ${other.slug} `]) {
      const r = await post(hs, `mutation { createAttestation(input: { framework: SOC3, socType: TYPE_II, issueDate: "2026-01-10", periodStart: "2025-01-01", periodEnd: "2025-12-31" }) { attestation { id } errors { code } } }`, { ...bearer(key.secret), 'x-org': xOrg });
      expect([r.status, r.body?.errors?.[0]?.extensions?.code, r.body?.data ?? null]).toEqual([403, 'FORBIDDEN', null]);
      const read = await post(hs, ORG_QUERY, { ...bearer(key.secret), 'x-org': xOrg });
      expect([read.status, read.body?.errors?.[0]?.extensions?.code]).toEqual([403, 'FORBIDDEN']);
    }
    expect(await tenantRowsSnapshot(hs, other.id)).toEqual(beforeB);
    // Its own org by slug still works (the refusals above are about B, not a broken key).
    const own = await post(hs, ORG_QUERY, { ...bearer(key.secret), 'x-org': org.slug.toUpperCase() });
    expect([own.status, own.body?.data]).toEqual([200, { organization: { slug: org.slug } }]);
  });

  it('truncated, extended and modified secrets; another key\'s id; an unknown id: refused in the constant-time path', async () => {
    const key = await createKey(org, ['PUBLISH']);
    const other2 = await createKey(other, ['PUBLISH']);
    const [, hexId, secret] = /^tpk_([0-9a-f]{32})_(.{43})$/.exec(key.secret)!;
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    // Format violations are MALFORMED before any lookup.
    for (const malformed of [key.secret.slice(0, -1), `${key.secret}A`, `tpk_${hexId}_`, `tpk_${hexId!.slice(1)}_${secret}`, key.secret.toUpperCase(), `tpk_${hexId}_${secret!.slice(0, 42)}=`]) {
      await keyRefused(malformed, 'MALFORMED');
    }
    // Well-formed but wrong: the first, a middle and the last character flipped; another key's secret with this id;
    // this secret with an id that does not exist.
    const [, , otherSecret] = /^tpk_([0-9a-f]{32})_(.{43})$/.exec(other2.secret)!;
    for (const wrong of [flip(key.secret, 37), flip(key.secret, 58), flip(key.secret, key.secret.length - 1), `tpk_${hexId}_${otherSecret}`, `tpk_${randomUUID().replace(/-/g, '')}_${secret}`]) {
      await keyRefused(wrong, 'BAD_SIGNATURE');
    }
    // The genuine key still works afterwards (no lockout side effect to hide a refusal).
    expect((await post(hs, ORG_QUERY, bearer(key.secret))).status).toBe(200);
  });

  it('a rotated key\'s old secret: 401 REVOKED at once; the new one works', async () => {
    const key = await createKey(org, ['PUBLISH']);
    const rotated = expectNoErrors(await hs.gql(`mutation($id: ID!) { rotateApiKey(id: $id) { secret errors { code } } }`, { token: org.owner.token, org: org.slug, variables: { id: key.id } })).rotateApiKey;
    expect(rotated.errors).toEqual([]);
    await keyRefused(key.secret, 'REVOKED');
    expect((await post(hs, ORG_QUERY, bearer(rotated.secret))).status).toBe(200);
  });
});
