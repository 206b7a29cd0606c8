import { startTestApp, type TestApp } from '../support/harness';
import { createAttestation, createOrg, expectNoErrors, type TestOrg } from '../support/factories';

/** API keys: scoped, hashed at rest, usable as bearer tokens, rotated and revoked, every change audited. */
let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

async function createKey(org: TestOrg, scopes: string[], extra = ''): Promise<{ id: string; secret: string }> {
  const r = expectNoErrors(await app.gql(`mutation($s: [ApiKeyScope!]!) { createApiKey(input: { name: "partner", scopes: $s ${extra} }) { apiKey { id scopes } secret errors { code } } }`, { token: org.owner.token, org: org.slug, variables: { s: scopes } })).createApiKey;
  expect(r.errors).toEqual([]);
  return { id: r.apiKey.id, secret: r.secret };
}

const codes = (r: { errors?: { extensions?: { code?: string } }[] }) => (r.errors ?? []).map((e) => e.extensions?.code);

test('a READ key reads its organization and nothing else; it cannot write', async () => {
  const org = await createOrg(app);
  await createAttestation(app, org);
  const key = await createKey(org, ['READ']);
  expect(key.secret).toMatch(/^tpk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
  const read = await app.gql(`{ organization { slug attestations { edges { node { status } } } } }`, { token: key.secret });
  expect(read.errors).toBeUndefined();
  expect(read.data!.organization).toMatchObject({ slug: org.slug, attestations: { edges: [{ node: { status: 'DRAFT' } }] } });
  const write = await app.gql(`mutation { createAttestation(input: { framework: SOC3, socType: TYPE_II, issueDate: "2026-01-10", periodStart: "2025-01-01", periodEnd: "2025-12-31" }) { errors { code } } }`, { token: key.secret });
  expect(codes(write)).toEqual(['FORBIDDEN']);
  expect(codes(await app.gql(`mutation { createApiKey(input: { name: "x", scopes: [READ] }) { errors { code } } }`, { token: key.secret }))).toEqual(['FORBIDDEN']);
  expect(codes(await app.gql(`mutation { createOrganization(input: { slug: "k-made", name: "x" }) { errors { code } } }`, { token: key.secret }))).toEqual(['FORBIDDEN']);
});

test('a PUBLISH key writes and publishes; the audit log names the key', async () => {
  const org = await createOrg(app);
  const key = await createKey(org, ['PUBLISH']);
  const r = await app.gql(`mutation { createAttestation(input: { framework: SOC2, socType: TYPE_II, issueDate: "2026-01-10", periodStart: "2025-01-01", periodEnd: "2025-12-31", opinion: UNQUALIFIED }) { attestation { id } errors { code } } }`, { token: key.secret });
  const id = expectNoErrors(r).createAttestation.attestation.id;
  expect(expectNoErrors(await app.gql(`mutation($id: ID!) { publishAttestation(id: $id) { attestation { status } } }`, { token: key.secret, variables: { id } })).publishAttestation.attestation.status).toBe('PUBLISHED');
  const audit = await app.owner.query(`SELECT action, actor_email FROM audit_events WHERE org_id = $1 ORDER BY seq`, [org.id]);
  expect(audit.rows.map((a) => a.action)).toEqual(['organization.created', 'api_key.created', 'attestation.created', 'attestation.published']);
  expect(audit.rows.slice(2).map((a) => a.actor_email)).toEqual([`api-key:partner (${key.id})`, `api-key:partner (${key.id})`]);
});

test('the secret is stored only as a hash; a wrong secret, a revoked or an expired key answer 401', async () => {
  const org = await createOrg(app);
  const key = await createKey(org, ['READ']);
  const stored = await app.owner.query(`SELECT secret_hash FROM api_keys WHERE id = $1`, [key.id]);
  expect(stored.rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
  // The secret is base64url, so it may hold '_' itself (or start with one): everything after the second '_'.
  const secretPart = key.secret.split('_').slice(2).join('_');
  expect(secretPart).toHaveLength(43);
  expect(JSON.stringify(stored.rows)).not.toContain(secretPart);

  const tampered = key.secret.slice(0, -1) + (key.secret.endsWith('A') ? 'B' : 'A');
  const bad = await app.gql(`{ organization { slug } }`, { token: tampered });
  expect([bad.status, codes(bad)]).toEqual([401, ['UNAUTHENTICATED']]);

  expectNoErrors(await app.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } } }`, { token: org.owner.token, org: org.slug, variables: { id: key.id } }));
  const revoked = await app.gql(`{ organization { slug } }`, { token: key.secret });
  expect([revoked.status, revoked.errors![0].extensions!.reason]).toEqual([401, 'REVOKED']);

  const expiring = await createKey(org, ['READ'], ', expiresInDays: 1');
  await app.owner.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.id]);
  const expired = await app.gql(`{ organization { slug } }`, { token: expiring.secret });
  expect([expired.status, expired.errors![0].extensions!.reason]).toEqual([401, 'EXPIRED']);
});

test('rotation: the old secret stops at once, the new one works with the same scopes; last use is recorded', async () => {
  const org = await createOrg(app);
  const key = await createKey(org, ['READ', 'TRACKING']);
  expect((await app.gql(`{ organization { slug } }`, { token: key.secret })).errors).toBeUndefined();
  const rotated = expectNoErrors(await app.gql(`mutation($id: ID!) { rotateApiKey(id: $id) { apiKey { id scopes rotatedFromId } secret } }`, { token: org.owner.token, org: org.slug, variables: { id: key.id } })).rotateApiKey;
  expect(rotated.apiKey).toMatchObject({ scopes: ['READ', 'TRACKING'], rotatedFromId: key.id });
  expect((await app.gql(`{ organization { slug } }`, { token: key.secret })).status).toBe(401);
  expect((await app.gql(`{ vendorStatuses { edges { node { status } } } }`, { token: rotated.secret })).errors).toBeUndefined();
  const list = expectNoErrors(await app.gql(`{ organization { apiKeys { id lastUsedAt revokedAt } } }`, { token: org.owner.token, org: org.slug })).organization.apiKeys;
  expect(list.find((k: { id: string }) => k.id === key.id).revokedAt).not.toBeNull();
  expect(list.find((k: { id: string }) => k.id === rotated.apiKey.id).lastUsedAt).not.toBeNull();
});

test('a key acts for its own organization only', async () => {
  const a = await createOrg(app);
  const b = await createOrg(app);
  const key = await createKey(a, ['READ']);
  const other = await app.gql(`{ organization { slug } }`, { token: key.secret, org: b.slug });
  expect([other.status, codes(other)]).toEqual([403, ['FORBIDDEN']]);
  const id = await createAttestation(app, b);
  expect(codes(await app.gql(`query($id: ID!) { attestation(id: $id) { id } }`, { token: key.secret, variables: { id } }))).toEqual(['NOT_FOUND']);
});

test('bad input: no scopes, a bad expiry', async () => {
  const org = await createOrg(app);
  const r = expectNoErrors(await app.gql(`mutation { a: createApiKey(input: { name: "x", scopes: [] }) { errors { code field } } b: createApiKey(input: { name: "x", scopes: [READ], expiresInDays: 0 }) { errors { code field } } }`, { token: org.owner.token, org: org.slug }));
  expect(r).toEqual({ a: { errors: [{ code: 'INVALID_SCOPES', field: 'scopes' }] }, b: { errors: [{ code: 'INVALID_EXPIRY', field: 'expiresInDays' }] } });
});
