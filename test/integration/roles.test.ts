import { startTestApp, type GqlResponse, type TestApp } from '../support/harness';
import {
  addMember,
  addMembership,
  createAttestation,
  createOrg,
  expectNoErrors,
  newUser,
  orgSnapshot,
  soc2TypeII,
  type TestOrg,
  type TestUser,
} from '../support/factories';

/**
 * The role suite: every vendor mutation against every role, as src/modules/tenancy/tenancy.policy.ts lists them.
 * The expectations are written out here, not read from the policy, so a change to the policy shows up as a failing test.
 */
const TODAY = '2026-06-30';
let app: TestApp;
beforeAll(async () => { app = await startTestApp({ now: () => new Date(`${TODAY}T12:00:00Z`) }); });
afterAll(async () => { await app.close(); });

type Role = 'OWNER' | 'ADMIN' | 'EDITOR' | 'ACCESS_MANAGER' | 'VIEWER';
const ROLES: Role[] = ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER'];
/** trustCenter.update, attestation.write */
const WRITERS: Role[] = ['OWNER', 'ADMIN', 'EDITOR'];
/** trustCenter.publish, attestation.publish */
const PUBLISHERS: Role[] = ['OWNER', 'ADMIN'];

interface Operation { query: string; variables?: Record<string, unknown> }
interface MutationCase {
  mutation: string;
  allowed: Role[];
  /** Puts a fresh org in the state where the mutation succeeds, and returns the operation. */
  prepare(org: TestOrg): Promise<Operation>;
  /** Publishes the org's trust center first (unpublishTrustCenter needs it). */
  publishedTrustCenter?: boolean;
}

const MUTATIONS: MutationCase[] = [
  {
    mutation: 'updateTrustCenter',
    allowed: WRITERS,
    prepare: async () => ({ query: `mutation { updateTrustCenter(input: { headline: "Secure by design" }) { errors { code } } }` }),
  },
  {
    mutation: 'publishTrustCenter',
    allowed: PUBLISHERS,
    prepare: async () => ({ query: `mutation { publishTrustCenter { errors { code } } }` }),
  },
  {
    mutation: 'unpublishTrustCenter',
    allowed: PUBLISHERS,
    publishedTrustCenter: true,
    prepare: async () => ({ query: `mutation { unpublishTrustCenter { errors { code } } }` }),
  },
  {
    mutation: 'createAttestation',
    allowed: WRITERS,
    prepare: async () => ({
      query: `mutation($input: CreateAttestationInput!) { createAttestation(input: $input) { errors { code } } }`,
      variables: { input: soc2TypeII(2025) },
    }),
  },
  {
    mutation: 'updateAttestation',
    allowed: WRITERS,
    prepare: async (org) => ({
      query: `mutation($input: UpdateAttestationInput!) { updateAttestation(input: $input) { errors { code } } }`,
      variables: { input: { id: await createAttestation(app, org, soc2TypeII(2025)), title: 'Renamed' } },
    }),
  },
  {
    mutation: 'publishAttestation',
    allowed: PUBLISHERS,
    prepare: async (org) => ({
      query: `mutation($id: ID!) { publishAttestation(id: $id) { errors { code } } }`,
      variables: { id: await createAttestation(app, org, soc2TypeII(2025)) },
    }),
  },
  {
    mutation: 'withdrawAttestation',
    allowed: PUBLISHERS,
    prepare: async (org) => ({
      query: `mutation($input: WithdrawAttestationInput!) { withdrawAttestation(input: $input) { errors { code } } }`,
      variables: { input: { id: await createAttestation(app, org, soc2TypeII(2025), true), reason: 'superseded by a re-issue' } },
    }),
  },
  {
    mutation: 'addBridgeLetter',
    allowed: WRITERS,
    prepare: async (org) => ({
      query: `mutation($input: AddBridgeLetterInput!) { addBridgeLetter(input: $input) { errors { code } } }`,
      variables: {
        input: {
          attestationId: await createAttestation(app, org, soc2TypeII(2025), true),
          coversFrom: '2026-01-01', coversThrough: '2026-03-31', issuedOn: '2026-04-05', signedByName: 'Chief Executive',
        },
      },
    }),
  },
];

const TABLE = MUTATIONS.flatMap((c) => ROLES.map((role) => {
  const allow = c.allowed.includes(role);
  return { ...c, role, allow, expected: allow ? 'allowed' : 'FORBIDDEN' };
}));

async function as(user: TestUser | null, op: Operation, org?: string): Promise<GqlResponse> {
  return app.gql(op.query, { token: user?.token, org, variables: op.variables });
}

async function memberWithRole(org: TestOrg, role: Role): Promise<TestUser> {
  return role === 'OWNER' ? org.owner : addMember(app, org, role);
}

describe('each mutation against each role', () => {
  test.each(TABLE)('$mutation as $role is $expected', async ({ mutation, role, allow, prepare, publishedTrustCenter }) => {
    const org = await createOrg(app, { publish: publishedTrustCenter });
    const user = await memberWithRole(org, role);
    const op = await prepare(org);
    const before = await orgSnapshot(app, org.id);

    const r = await as(user, op, org.slug);

    if (allow) {
      expect(r.errors).toBeUndefined();
      expect(r.data![mutation].errors).toEqual([]);
      expect(await orgSnapshot(app, org.id)).not.toEqual(before);
    } else {
      expect(r.data).toBeNull();
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(await orgSnapshot(app, org.id)).toEqual(before);
    }
  });

  test('the role table covers every mutation of the schema but createOrganization', async () => {
    const r = await app.gql(`{ __type(name: "Mutation") { fields { name } } }`);
    const names = expectNoErrors(r).__type.fields.map((f: { name: string }) => f.name).sort();
    expect(names).toEqual([...MUTATIONS.map((c) => c.mutation), 'createOrganization'].sort());
  });
});

describe('reading', () => {
  test.each(ROLES)('%s can read organization { attestations } including drafts', async (role) => {
    const org = await createOrg(app);
    const published = await createAttestation(app, org, soc2TypeII(2024), true);
    const draft = await createAttestation(app, org, soc2TypeII(2025));
    const user = await memberWithRole(org, role);

    const r = await as(user, { query: `{ organization { viewerRole attestations { edges { node { id status } } } } }` }, org.slug);
    expect(expectNoErrors(r).organization).toEqual({
      viewerRole: role,
      attestations: { edges: [{ node: { id: draft, status: 'DRAFT' } }, { node: { id: published, status: 'PUBLISHED' } }] },
    });
    const one = await as(user, { query: `query($id: ID!) { attestation(id: $id) { status } }`, variables: { id: draft } }, org.slug);
    expect(expectNoErrors(one).attestation).toEqual({ status: 'DRAFT' });
  });
});

describe('anonymous callers', () => {
  test.each(MUTATIONS)('$mutation answers UNAUTHENTICATED and changes nothing', async ({ prepare, publishedTrustCenter }) => {
    const org = await createOrg(app, { publish: publishedTrustCenter });
    const op = await prepare(org);
    const before = await orgSnapshot(app, org.id);
    const r = await as(null, op, org.slug);
    expect(r.data).toBeNull();
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(await orgSnapshot(app, org.id)).toEqual(before);
  });

  test('createOrganization answers UNAUTHENTICATED', async () => {
    const r = await as(null, { query: `mutation { createOrganization(input: { slug: "anon-${Date.now()}", name: "Anon" }) { errors { code } } }` });
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  test('organization and attestation(id) answer UNAUTHENTICATED', async () => {
    const org = await createOrg(app);
    const id = await createAttestation(app, org);
    for (const op of [{ query: `{ organization { id } }` }, { query: `query($id: ID!) { attestation(id: $id) { id } }`, variables: { id } }]) {
      const r = await as(null, op, org.slug);
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
  });

  test('viewer is null', async () => {
    expect(expectNoErrors(await as(null, { query: `{ viewer { user { id } } }` })).viewer).toBeNull();
  });
});

describe('choosing the active organization (X-Org)', () => {
  /** A user who owns org A and is a VIEWER of org B. */
  async function twoMemberships(): Promise<{ a: TestOrg; b: TestOrg; user: TestUser }> {
    const a = await createOrg(app);
    const b = await createOrg(app);
    await addMembership(app, b, a.owner, 'VIEWER');
    return { a, b, user: a.owner };
  }
  const ORGANIZATION = { query: `{ organization { id slug viewerRole } }` };
  const CREATE = { query: `mutation($input: CreateAttestationInput!) { createAttestation(input: $input) { errors { code } } }`, variables: { input: soc2TypeII(2025) } };

  test('a user with two memberships and no X-Org gets ORG_REQUIRED, on queries and mutations', async () => {
    const { a, b, user } = await twoMemberships();
    for (const op of [ORGANIZATION, CREATE]) {
      const r = await as(user, op);
      expect(r.data).toBeNull();
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['ORG_REQUIRED']);
    }
    expect(await orgSnapshot(app, a.id)).toMatchObject({ attestations: [] });
    expect(await orgSnapshot(app, b.id)).toMatchObject({ attestations: [] });
  });

  test('viewer lists both memberships and no active organization without X-Org', async () => {
    const { a, b, user } = await twoMemberships();
    const r = await as(user, { query: `{ viewer { activeOrganization { id } memberships { role organization { slug } } } }` });
    const viewer = expectNoErrors(r).viewer;
    expect(viewer.activeOrganization).toBeNull();
    expect(viewer.memberships).toEqual(expect.arrayContaining([
      { role: 'OWNER', organization: { slug: a.slug } },
      { role: 'VIEWER', organization: { slug: b.slug } },
    ]));
    expect(viewer.memberships).toHaveLength(2);
  });

  test.each([
    ['slug', (o: TestOrg) => o.slug],
    ['id', (o: TestOrg) => o.id],
    ['upper-case slug', (o: TestOrg) => o.slug.toUpperCase()],
  ])('X-Org by %s picks the organization, and the role there applies', async (_label, header) => {
    const { a, b, user } = await twoMemberships();
    expect(expectNoErrors(await as(user, ORGANIZATION, header(a))).organization).toEqual({ id: a.id, slug: a.slug, viewerRole: 'OWNER' });
    expect(expectNoErrors(await as(user, ORGANIZATION, header(b))).organization).toEqual({ id: b.id, slug: b.slug, viewerRole: 'VIEWER' });

    expect(expectNoErrors(await as(user, CREATE, header(a))).createAttestation.errors).toEqual([]);
    const inB = await as(user, CREATE, header(b));
    expect(inB.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await orgSnapshot(app, b.id)).toMatchObject({ attestations: [] });
  });

  test.each([
    ['the slug of an org the user is not in', async () => (await createOrg(app)).slug],
    ['the id of an org the user is not in', async () => (await createOrg(app)).id],
    ['a slug that names no org', async () => 'no-such-org-anywhere'],
  ])('X-Org naming %s is FORBIDDEN', async (_label, header) => {
    const { user } = await twoMemberships();
    const r = await as(user, ORGANIZATION, await header());
    expect(r.data).toBeNull();
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  test('an X-Org refusal is an HTTP 4xx (a client mistake), not a 5xx server failure', async () => {
    const { user } = await twoMemberships();
    const r = await as(user, ORGANIZATION, (await createOrg(app)).slug);
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  test('a single membership is the active organization without X-Org', async () => {
    const org = await createOrg(app);
    expect(expectNoErrors(await as(org.owner, ORGANIZATION)).organization).toEqual({ id: org.id, slug: org.slug, viewerRole: 'OWNER' });
  });

  test('a user with no membership gets ORG_REQUIRED on vendor mutations', async () => {
    const loner = newUser(app, 'loner');
    const r = await as(loner, CREATE);
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['ORG_REQUIRED']);
  });
});
