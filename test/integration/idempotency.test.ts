import { randomUUID } from 'node:crypto';
import { addMember, countRows, createOrg, SOC2_TYPE_II, type TestOrg } from '../support/factories';
import { startTestApp, type TestApp } from '../support/harness';

const CREATE = `mutation Create($input: CreateAttestationInput!) { createAttestation(input: $input) { attestation { id title } errors { code field } } }`;

describe('Idempotency-Key: a retried create returns the first result instead of a second row', () => {
  let app: TestApp;
  let org: TestOrg;
  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, { prefix: 'idem' });
  });
  afterAll(async () => app.close());

  async function post(key: string | undefined, variables: Record<string, unknown>, token = org.owner.token, extra: Record<string, string> = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-org': org.slug, ...extra };
    if (key !== undefined) headers['idempotency-key'] = key;
    const res = await fetch(app.url, { method: 'POST', headers, body: JSON.stringify({ query: CREATE, variables }) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  const input = (title: string) => ({ input: { ...SOC2_TYPE_II, title } });

  test('the same key and request twice: one row, the same answer, marked as replayed', async () => {
    const before = await countRows(app, 'attestations', org.id);
    const key = randomUUID();
    const first = await post(key, input('Idempotent report'));
    const second = await post(key, input('Idempotent report'));
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text).data.createAttestation.attestation.title).toBe('Idempotent report');
    expect(second.text).toBe(first.text);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await countRows(app, 'attestations', org.id)).toBe(before + 1);
  });

  test('without a key, a retry creates a second row (the header is what makes it safe)', async () => {
    const before = await countRows(app, 'attestations', org.id);
    await post(undefined, input('No key'));
    await post(undefined, input('No key'));
    expect(await countRows(app, 'attestations', org.id)).toBe(before + 2);
  });

  test('20 concurrent retries with one key make exactly one row; the others get the result or are told to wait', async () => {
    const before = await countRows(app, 'attestations', org.id);
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => post(key, input('Concurrent'))));
    expect(await countRows(app, 'attestations', org.id)).toBe(before + 1);
    const ok = results.filter((r) => r.status === 200);
    const waiting = results.filter((r) => r.status === 409);
    expect(ok.length + waiting.length).toBe(20);
    expect(new Set(ok.map((r) => r.text)).size).toBe(1);
    for (const w of waiting) {
      expect(JSON.parse(w.text).errors[0].extensions.code).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
      expect(w.headers.get('retry-after')).toBe('1');
    }
    expect((await post(key, input('Concurrent'))).text).toBe(ok[0]!.text);
  });

  test('a key names one request: other variables, or another member, are refused with IDEMPOTENCY_KEY_REUSED', async () => {
    const key = randomUUID();
    await post(key, input('Original'));
    const before = await countRows(app, 'attestations', org.id);
    const other = await post(key, input('Something else'));
    expect(other.status).toBe(422);
    expect(JSON.parse(other.text).errors[0].extensions.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const colleague = await addMember(app, org, 'EDITOR');
    const byColleague = await post(key, input('Original'), colleague.token);
    expect(byColleague.status).toBe(422);
    expect(await countRows(app, 'attestations', org.id)).toBe(before);
  });

  test('typed payload errors are the answer and are kept; a refused request (bad token) releases the key', async () => {
    const key = randomUUID();
    const invalid = { input: { ...SOC2_TYPE_II, periodEnd: '2020-01-01', title: 'Bad period' } };
    const first = await post(key, invalid);
    expect(JSON.parse(first.text).data.createAttestation.errors.length).toBeGreaterThan(0);
    const again = await post(key, invalid);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const key2 = randomUUID();
    const refused = await post(key2, input('After a bad token'), 'not-a-token');
    expect(refused.status).toBe(401);
    const before = await countRows(app, 'attestations', org.id);
    const real = await post(key2, input('After a bad token'));
    expect(real.headers.get('idempotent-replayed')).toBeNull();
    expect(JSON.parse(real.text).data.createAttestation.attestation.title).toBe('After a bad token');
    expect(await countRows(app, 'attestations', org.id)).toBe(before + 1);
  });

  test('a malformed key, or a key on a GET, is refused with IDEMPOTENCY_KEY_INVALID', async () => {
    const bad = await post('has spaces in it', input('x'));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).errors[0].extensions.code).toBe('IDEMPOTENCY_KEY_INVALID');
    const long = await post('k'.repeat(256), input('x'));
    expect(long.status).toBe(400);
    const get = await fetch(`${app.url}?query=${encodeURIComponent('{ viewer { user { id } } }')}`, { headers: { 'idempotency-key': 'abc', 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(400);
  });

  test('keys are tenant rows under RLS: another organization cannot see or collide with them', async () => {
    const key = randomUUID();
    await post(key, input('Tenant A'));
    const other = await createOrg(app, { prefix: 'idem-b' });
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${other.owner.token}`, 'x-org': other.slug, 'idempotency-key': key },
      body: JSON.stringify({ query: CREATE, variables: input('Tenant A') }),
    });
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect((await res.json() as any).data.createAttestation.attestation.title).toBe('Tenant A');
    expect(await countRows(app, 'attestations', other.id)).toBe(1);
  });
});
