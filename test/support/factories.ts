import type { TestApp } from './harness';
import { uniqueSuffix } from './harness';

/** Factories make fresh tenants per test: no test depends on another's rows. */
export interface TestUser {
  email: string;
  token: string;
}

export interface TestOrg {
  id: string;
  slug: string;
  owner: TestUser;
}

export function newUser(app: TestApp, prefix = 'user'): TestUser {
  const email = `${prefix}-${uniqueSuffix()}@example.test`;
  return { email, token: app.tokenFor(email) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function expectNoErrors(r: { data: Record<string, any> | null; errors?: unknown[] }): Record<string, any> {
  if (r.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(r.errors)}`);
  if (!r.data) throw new Error('no data in the response');
  return r.data;
}

export async function createOrg(app: TestApp, options: { publish?: boolean; prefix?: string } = {}): Promise<TestOrg> {
  const owner = newUser(app, 'owner');
  const slug = `${options.prefix ?? 'org'}-${uniqueSuffix()}`;
  const r = await app.gql(
    `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id slug } errors { code message } } }`,
    { token: owner.token, variables: { input: { slug, name: `Org ${slug}` } } },
  );
  const payload = expectNoErrors(r).createOrganization;
  if (payload.errors.length) throw new Error(JSON.stringify(payload.errors));
  if (options.publish) {
    const p = await app.gql(`mutation { publishTrustCenter { errors { code } } }`, { token: owner.token, org: slug });
    expectNoErrors(p);
  }
  return { id: payload.organization.id, slug, owner };
}

/** A user with the given role in an org, inserted directly (there is no invitation flow yet). */
export async function addMember(app: TestApp, org: TestOrg, role: string): Promise<TestUser> {
  const user = newUser(app, role.toLowerCase());
  const { rows } = await app.owner.query(`INSERT INTO users (subject, email) VALUES ($1, $2) RETURNING id`, [`test|${user.email}`, user.email]);
  await app.owner.query(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)`, [org.id, rows[0].id, role]);
  return user;
}

export const SOC2_TYPE_II = {
  framework: 'SOC2',
  socType: 'TYPE_II',
  periodStart: '2025-01-01',
  periodEnd: '2025-12-31',
  issueDate: '2026-02-15',
  auditor: 'Audit LLP',
  opinion: 'UNQUALIFIED',
  trustServiceCriteria: ['SECURITY', 'AVAILABILITY'],
};

export const ATTESTATION_FIELDS = `id status framework socType title periodStart periodEnd asOf issueDate opinion trustServiceCriteria exceptionCount`;

export async function createAttestation(app: TestApp, org: TestOrg, input: Record<string, unknown> = {}, publish = false): Promise<string> {
  const r = await app.gql(
    `mutation($input: CreateAttestationInput!) { createAttestation(input: $input) { attestation { id } errors { code message } } }`,
    { token: org.owner.token, org: org.slug, variables: { input: { ...SOC2_TYPE_II, ...input } } },
  );
  const payload = expectNoErrors(r).createAttestation;
  if (payload.errors.length) throw new Error(JSON.stringify(payload.errors));
  const id = payload.attestation.id as string;
  if (publish) {
    const p = await app.gql(`mutation($id: ID!) { publishAttestation(id: $id) { errors { code message } } }`, { token: org.owner.token, org: org.slug, variables: { id } });
    const errors = expectNoErrors(p).publishAttestation.errors;
    if (errors.length) throw new Error(JSON.stringify(errors));
  }
  return id;
}

/** An ISO 27001 certificate: no SOC type, criteria or opinion; its own validity. */
export const ISO27001_CERTIFICATE = {
  framework: 'ISO27001',
  issueDate: '2025-03-01',
  auditor: 'Cert Body Ltd',
  certificateNumber: 'ISO-0001',
  certificateValidFrom: '2025-03-01',
  certificateValidUntil: '2028-02-28',
};

/** A SOC 2 Type II over one calendar year, issued in February of the next. */
export function soc2TypeII(year: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...SOC2_TYPE_II, periodStart: `${year}-01-01`, periodEnd: `${year}-12-31`, issueDate: `${year + 1}-02-15`, title: `SOC 2 Type II ${year}`, ...overrides };
}

/** Gives an existing user (say, another org's owner) a role in `org`, making the user row if it was never seen. */
export async function addMembership(app: TestApp, org: TestOrg, user: TestUser, role: string): Promise<void> {
  const { rows } = await app.owner.query(
    `INSERT INTO users (subject, email) VALUES ($1, $2) ON CONFLICT (subject) DO UPDATE SET email = EXCLUDED.email RETURNING id`,
    [`test|${user.email}`, user.email],
  );
  await app.owner.query(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)`, [org.id, rows[0].id, role]);
}

/** One attestation row as stored (read as the owner, bypassing RLS), or null. */
export async function attestationRow(app: TestApp, id: string): Promise<Record<string, unknown> | null> {
  const { rows } = await app.owner.query(`SELECT * FROM attestations WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** Everything an org owns in the trust-center tables, as stored: compare before/after to prove nothing changed. */
export async function orgSnapshot(app: TestApp, orgId: string): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of ['organizations', 'memberships', 'trust_centers', 'attestations', 'bridge_letters']) {
    const key = table === 'organizations' ? 'id' : 'org_id';
    const { rows } = await app.owner.query(`SELECT to_jsonb(t) AS row FROM ${table} t WHERE ${key} = $1 ORDER BY to_jsonb(t)::text`, [orgId]);
    snapshot[table] = rows.map((r) => r.row);
  }
  return snapshot;
}

/** How many rows of a tenant table belong to an org (read as the owner, bypassing RLS). */
export async function countRows(app: TestApp, table: 'attestations' | 'bridge_letters' | 'memberships', orgId: string): Promise<number> {
  const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM ${table} WHERE org_id = $1`, [orgId]);
  return rows[0].n;
}

/** A fresh, valid slug that no other test uses. */
export const uniqueSlug = (prefix = 'org'): string => `${prefix}-${uniqueSuffix()}`;
