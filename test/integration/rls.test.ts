import type pg from 'pg';
import { startTestApp, type TestApp } from '../support/harness';
import { createAttestation, createOrg } from '../support/factories';
import { createDocumentWithFile, draftNdaTemplate } from '../support/documents';

/** The second wall: PostgreSQL itself keeps tenants apart, whatever the application forgets to filter. */
let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

async function asApp<T>(orgId: string | null, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await app.appPool.connect();
  try {
    await client.query('BEGIN');
    if (orgId) await client.query(`SELECT set_config('app.org_id', $1, true)`, [orgId]);
    const result = await work(client);
    await client.query('ROLLBACK');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

test('every table in the schema, except the migrations ledger, has row-level security enabled and forced', async () => {
  const { rows } = await app.owner.query(`
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'migrations' ORDER BY 1`);
  expect(rows.length).toBeGreaterThanOrEqual(6);
  const unprotected = rows.filter((r) => !r.relrowsecurity || !r.relforcerowsecurity).map((r) => r.relname);
  expect(unprotected).toEqual([]);
});

test('every table with an org_id column has forced RLS and a policy, and org_id leads its primary key', async () => {
  const { rows } = await app.owner.query(`
    SELECT c.relname, c.relforcerowsecurity,
      (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
      (SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = c.oid AND i.indisprimary) AS pk_lead
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r'
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped)`);
  expect(rows.length).toBeGreaterThanOrEqual(4);
  for (const row of rows) {
    expect({ table: row.relname, forced: row.relforcerowsecurity, hasPolicy: Number(row.policies) > 0, pkLead: row.pk_lead })
      .toEqual({ table: row.relname, forced: true, hasPolicy: true, pkLead: 'org_id' });
  }
});

test('the app role cannot bypass RLS: not superuser, no BYPASSRLS, owns no table', async () => {
  const { rows } = await app.owner.query(`
    SELECT r.rolsuper, r.rolbypassrls,
      (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid AND c.relkind = 'r') AS owned
    FROM pg_roles r WHERE r.rolname = 'trust_portal_app'`);
  expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, owned: '0' }]);
  const who = await app.appPool.query('SELECT current_user');
  expect(who.rows[0].current_user).toBe('trust_portal_app');
});

test('an unfiltered SELECT as the app role sees only the current tenant rows', async () => {
  const a = await createOrg(app);
  const b = await createOrg(app);
  await createAttestation(app, a);
  await createAttestation(app, a);
  await createAttestation(app, b);
  for (const [org, other] of [[a, b], [b, a]] as const) {
    const seen = await asApp(org.id, async (c) => ({
      attestations: (await c.query('SELECT DISTINCT org_id FROM attestations')).rows.map((r) => r.org_id),
      trustCenters: (await c.query('SELECT DISTINCT org_id FROM trust_centers')).rows.map((r) => r.org_id),
      memberships: (await c.query('SELECT DISTINCT org_id FROM memberships')).rows.map((r) => r.org_id),
      organizations: (await c.query('SELECT id FROM organizations')).rows.map((r) => r.id),
    }));
    expect(seen).toEqual({ attestations: [org.id], trustCenters: [org.id], memberships: [org.id], organizations: [org.id] });
    expect(JSON.stringify(seen)).not.toContain(other.id);
  }
});

test('with no tenant set, the app role sees no tenant rows at all', async () => {
  await createAttestation(app, await createOrg(app));
  const counts = await asApp(null, async (c) => {
    const out: Record<string, number> = {};
    for (const t of ['organizations', 'users', 'memberships', 'trust_centers', 'attestations', 'bridge_letters']) {
      out[t] = Number((await c.query(`SELECT count(*) FROM ${t}`)).rows[0].count);
    }
    return out;
  });
  expect(counts).toEqual({ organizations: 0, users: 0, memberships: 0, trust_centers: 0, attestations: 0, bridge_letters: 0 });
});

test('the setting is transaction-local: after COMMIT the next transaction on the same connection sees nothing', async () => {
  const a = await createOrg(app);
  await createAttestation(app, a);
  const client = await app.appPool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.org_id', $1, true)`, [a.id]);
    expect(Number((await client.query('SELECT count(*) FROM attestations')).rows[0].count)).toBe(1);
    await client.query('COMMIT');
    expect(Number((await client.query('SELECT count(*) FROM attestations')).rows[0].count)).toBe(0);
  } finally {
    client.release();
  }
});

test('the app role cannot write a row into another tenant, nor move a row out of its own', async () => {
  const a = await createOrg(app);
  const b = await createOrg(app);
  const id = await createAttestation(app, a);
  await expect(
    asApp(a.id, (c) => c.query(`INSERT INTO attestations (org_id, framework, issue_date) VALUES ($1, 'SOC3', '2025-01-01')`, [b.id])),
  ).rejects.toThrow(/row-level security/);
  await expect(asApp(a.id, (c) => c.query(`UPDATE attestations SET org_id = $1 WHERE id = $2`, [b.id, id]))).rejects.toThrow(/row-level security/);
  const updatedFromB = await asApp(b.id, (c) => c.query(`UPDATE attestations SET title = 'hijacked' WHERE id = $1`, [id]));
  expect(updatedFromB.rowCount).toBe(0);
});

test('the app role cannot DELETE attestations or touch the migrations ledger', async () => {
  const a = await createOrg(app);
  await createAttestation(app, a);
  await expect(asApp(a.id, (c) => c.query('DELETE FROM attestations'))).rejects.toThrow(/permission denied/);
  await expect(asApp(a.id, (c) => c.query('SELECT * FROM migrations'))).rejects.toThrow(/permission denied/);
});

describe('the visitor wall: a non-member in a vendor tenant (app.visitor = on) sees only what is published', () => {
  test('drafts, withdrawn reports, PRIVATE documents and unpublished NDAs are invisible to a visitor, whatever the query', async () => {
    const vendor = await createOrg(app, { publish: true, prefix: 'wall' });
    const published = await createAttestation(app, vendor, {}, true);
    const draft = await createAttestation(app, vendor, { title: 'Draft report' });
    const withdrawn = await createAttestation(app, vendor, { title: 'Withdrawn report', periodStart: '2024-01-01', periodEnd: '2024-12-31', issueDate: '2025-02-01' }, true);
    const w = await app.gql(`mutation($id: ID!) { withdrawAttestation(input: { id: $id, reason: "Issued in error" }) { errors { code } } }`, { token: vendor.owner.token, org: vendor.slug, variables: { id: withdrawn } });
    expect(w.errors).toBeUndefined();
    const restricted = await createDocumentWithFile(app, vendor, { title: 'Restricted', visibility: 'RESTRICTED' });
    const priv = await createDocumentWithFile(app, vendor, { title: 'Private', visibility: 'PRIVATE' });
    await draftNdaTemplate(app, vendor);

    const read = (visitor: boolean) => asApp(vendor.id, async (c) => {
      if (visitor) await c.query(`SELECT set_config('app.visitor', 'on', true)`);
      const ids = async (sql: string) => (await c.query(sql)).rows.map((r) => r.id as string).sort();
      return {
        attestations: await ids('SELECT id FROM attestations'),
        documents: await ids('SELECT id FROM documents'),
        versions: (await c.query('SELECT document_id FROM document_versions')).rows.map((r) => r.document_id as string).sort(),
        ndaTemplates: (await c.query('SELECT count(*)::int AS n FROM nda_templates')).rows[0].n as number,
      };
    });
    const member = await read(false);
    expect(member.attestations).toEqual([published, draft, withdrawn].sort());
    expect(member.documents).toEqual([restricted.id, priv.id].sort());
    expect(member.ndaTemplates).toBe(1);

    const visitor = await read(true);
    expect(visitor.attestations).toEqual([published]);
    expect(visitor.documents).toEqual([restricted.id]);
    expect(visitor.versions).toEqual([restricted.id]);
    expect(visitor.ndaTemplates).toBe(0);

    // A draft trust center is invisible to a visitor too.
    await app.gql(`mutation { unpublishTrustCenter { errors { code } } }`, { token: vendor.owner.token, org: vendor.slug });
    const tc = await asApp(vendor.id, async (c) => {
      await c.query(`SELECT set_config('app.visitor', 'on', true)`);
      return (await c.query('SELECT count(*)::int AS n FROM trust_centers')).rows[0].n as number;
    });
    expect(tc).toBe(0);
  });

  test('a visitor writes nothing in the vendor tenant: no membership, no edit of a published report (issue 11, item 8)', async () => {
    const vendor = await createOrg(app, { publish: true, prefix: 'wallw' });
    const published = await createAttestation(app, vendor, {}, true);
    const stranger = await createOrg(app);
    const { rows: [user] } = await app.owner.query(`SELECT id FROM users WHERE subject = $1`, [`test|${stranger.owner.email}`]);
    const asVisitor = <T>(work: (c: pg.PoolClient) => Promise<T>) => asApp(vendor.id, async (c) => {
      await c.query(`SELECT set_config('app.visitor', 'on', true), set_config('app.user_id', $1, true), set_config('app.customer_org_id', $2, true)`, [user.id, stranger.id]);
      return work(c);
    });
    await expect(asVisitor((c) => c.query(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'OWNER')`, [vendor.id, user.id]))).rejects.toThrow(/row-level security/);
    expect((await asVisitor((c) => c.query(`UPDATE attestations SET title = 'defaced' WHERE id = $1`, [published]))).rowCount).toBe(0);
    expect((await asVisitor((c) => c.query(`UPDATE trust_centers SET status = 'DRAFT'`))).rowCount).toBe(0);
    expect((await asVisitor((c) => c.query(`DELETE FROM memberships`))).rowCount).toBe(0);
    // The same statements as a member of the vendor (no visitor flag) do write: the wall is the visitor setting.
    expect((await asApp(vendor.id, (c) => c.query(`UPDATE attestations SET title = 'edited' WHERE id = $1`, [published]))).rowCount).toBe(1);
  });
});

describe('exception responses (issue 14, item 1): visitors read and write none, whatever the query', () => {
  test('a member reads its own; a visitor, anonymous or a granted customer, reads none and writes none', async () => {
    const vendor = await createOrg(app, { publish: true, prefix: 'wallx' });
    const other = await createOrg(app, { publish: true, prefix: 'wallx' });
    const report = await createAttestation(app, vendor, { exceptions: [{ controlRef: 'CC6.1', description: 'Late deprovisioning' }] }, true);
    const otherReport = await createAttestation(app, other, { exceptions: [{ controlRef: 'CC6.1', description: 'Late deprovisioning' }] }, true);
    const exceptionId = async (org: typeof vendor, id: string): Promise<string> =>
      (await app.gql(`query($id: ID!) { attestation(id: $id) { exceptions { id } } }`, { token: org.owner.token, org: org.slug, variables: { id } })).data!.attestation.exceptions[0].id;
    for (const [org, id] of [[vendor, report], [other, otherReport]] as const) {
      const r = await app.gql(`mutation($i: SetExceptionResponseInput!) { setExceptionResponse(input: $i) { errors { code } } }`, {
        token: org.owner.token, org: org.slug, variables: { i: { attestationId: id, exceptionId: await exceptionId(org, id), managementResponse: 'Fixed', status: 'REMEDIATED' } },
      });
      expect(r.data!.setExceptionResponse.errors).toEqual([]);
    }
    const customer = await createOrg(app);
    const { rows: [user] } = await app.owner.query(`SELECT id FROM users WHERE subject = $1`, [`test|${customer.owner.email}`]);
    // The customer even holds a live whole-trust-center grant: the database still shows a visitor nothing (the access
    // service reads a granted customer's responses as the vendor's system identity, after its own decision).
    await app.owner.query(`INSERT INTO access_requests (org_id, id, requester_org_id, requester_org_name, requester_user_id, requester_email, scope, state)
      VALUES ($1, gen_random_uuid(), $2, 'Customer', $3, $4, 'ALL_RESTRICTED', 'APPROVED')`, [vendor.id, customer.id, user.id, customer.owner.email]);
    await app.owner.query(`INSERT INTO access_grants (org_id, customer_org_id, document_id, request_id, expires_at)
      SELECT $1, $2, NULL, id, now() + interval '30 days' FROM access_requests WHERE org_id = $1 AND requester_org_id = $2`, [vendor.id, customer.id]);

    const member = await asApp(vendor.id, async (c) => (await c.query('SELECT org_id FROM exception_responses')).rows.map((r) => r.org_id));
    expect(member).toEqual([vendor.id]);
    for (const settings of [{ user: '', customer: '' }, { user: user.id as string, customer: customer.id }]) {
      const seen = await asApp(vendor.id, async (c) => {
        await c.query(`SELECT set_config('app.visitor', 'on', true), set_config('app.user_id', $1, true), set_config('app.customer_org_id', $2, true)`, [settings.user, settings.customer]);
        return {
          read: (await c.query('SELECT count(*)::int AS n FROM exception_responses')).rows[0].n,
          updated: (await c.query(`UPDATE exception_responses SET management_response = 'defaced'`)).rowCount,
        };
      });
      expect(seen).toEqual({ read: 0, updated: 0 });
      await expect(asApp(vendor.id, async (c) => {
        await c.query(`SELECT set_config('app.visitor', 'on', true), set_config('app.customer_org_id', $1, true)`, [settings.customer]);
        await c.query(`INSERT INTO exception_responses (org_id, attestation_id, exception_id, status) VALUES ($1, $2, gen_random_uuid(), 'OPEN')`, [vendor.id, report]);
      })).rejects.toThrow(/row-level security/);
    }
    // The app role has no DELETE on the table at all: a response is changed, never removed.
    await expect(asApp(vendor.id, (c) => c.query('DELETE FROM exception_responses'))).rejects.toThrow(/permission denied/);
  });
});
