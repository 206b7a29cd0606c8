import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startTestApp, TEST_JWT_SECRET, uniqueSuffix, type GqlResponse, type TestApp } from '../support/harness';
import { addMember, addMembership, createOrg, expectNoErrors, newUser, type TestOrg, type TestUser } from '../support/factories';

/**
 * Issue 13, members: invitations (single-use token stored hashed, 7 days, resendable, revocable), acceptance by the
 * signed-in user whose verified email matches, role changes, removal, leaving and ownership transfer, through HTTP.
 * Rules: always one OWNER (also under concurrency), nobody grants above their own role, an ADMIN cannot change or
 * remove an OWNER, removal revokes the member's API keys and reach at once, every change is audited.
 */
const START = new Date('2026-06-30T12:00:00Z');
let clock = START;
let app: TestApp;
beforeAll(async () => { app = await startTestApp({ now: () => clock }); });
afterAll(async () => { await app.close(); });
afterEach(() => { clock = START; });

const DAY = 24 * 3600 * 1000;
const INVITATION = `invitation { id email role status resendCount expiresAt createdAt acceptedAt revokedAt invitedBy { email } }`;
const INVITE = `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { ${INVITATION} token errors { code field message } } }`;
const RESEND = `mutation($id: ID!) { resendInvitation(id: $id) { ${INVITATION} token errors { code field } } }`;
const REVOKE = `mutation($id: ID!) { revokeInvitation(id: $id) { ${INVITATION} token errors { code field } } }`;
const ACCEPT = `mutation($t: String!) { acceptInvitation(token: $t) { organization { id slug viewerRole } role errors { code field message } } }`;
const CHANGE = `mutation($u: ID!, $r: Role!) { changeMemberRole(userId: $u, role: $r) { member { user { id email } role } errors { code field } } }`;
const REMOVE = `mutation($u: ID!) { removeMember(userId: $u) { removedUserId revokedApiKeyIds errors { code field } } }`;
const LEAVE = `mutation { leaveOrganization { removedUserId revokedApiKeyIds errors { code field } } }`;
const TRANSFER = `mutation($u: ID!) { transferOwnership(userId: $u) { member { user { id } role } errors { code field } } }`;
const MEMBERS = `{ organization { members { edges { node { user { id email } role joinedAt } } } } }`;

const as = (user: TestUser | string, query: string, variables: Record<string, unknown> = {}, org?: TestOrg | string): Promise<GqlResponse> =>
  app.gql(query, { token: typeof user === 'string' ? user : user.token, org: typeof org === 'string' ? org : org?.slug, variables });
const codes = (r: GqlResponse): (string | undefined)[] | undefined => r.errors?.map((e) => e.extensions?.code);

async function userId(user: TestUser): Promise<string> {
  const { rows } = await app.owner.query(`SELECT id FROM users WHERE subject = $1`, [`test|${user.email}`]);
  if (!rows[0]) {
    expectNoErrors(await as(user, `{ viewer { user { id } } }`));
    return userId(user);
  }
  return rows[0].id;
}

async function invite(org: TestOrg, email: string, role = 'EDITOR', by: TestUser = org.owner): Promise<{ id: string; token: string; payload: Record<string, any> }> {
  const p = expectNoErrors(await as(by, INVITE, { i: { email, role } }, org)).inviteMember;
  if (p.errors.length) throw new Error(JSON.stringify(p.errors));
  return { id: p.invitation.id, token: p.token, payload: p };
}

async function roles(org: TestOrg): Promise<Record<string, string>> {
  const { rows } = await app.owner.query(`SELECT u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1`, [org.id]);
  return Object.fromEntries(rows.map((r) => [r.email, r.role]));
}

async function auditActions(org: TestOrg): Promise<string[]> {
  const { rows } = await app.owner.query(`SELECT action FROM audit_events WHERE org_id = $1 AND action LIKE 'member.%' ORDER BY seq`, [org.id]);
  return rows.map((r) => r.action);
}

async function snapshot(org: TestOrg): Promise<unknown> {
  const out: Record<string, unknown[]> = {};
  for (const t of ['memberships', 'invitations', 'api_keys', 'audit_events']) {
    out[t] = (await app.owner.query(`SELECT to_jsonb(t) AS r FROM ${t} t WHERE org_id = $1 ORDER BY to_jsonb(t)::text`, [org.id])).rows.map((r) => r.r);
  }
  return out;
}

/** A token whose identity provider did not verify the address (`email_verified: false`). */
function unverifiedToken(email: string): string {
  return jwt.sign({ email, email_verified: false }, TEST_JWT_SECRET, { algorithm: 'HS256', subject: `test|${email}`, issuer: 'trust-portal-dev', audience: 'trust-portal', expiresIn: 600 });
}

async function apiKey(org: TestOrg, by: TestUser, name = 'k'): Promise<{ id: string; secret: string }> {
  const p = expectNoErrors(await as(by, `mutation($n: String!) { createApiKey(input: { name: $n, scopes: [READ] }) { apiKey { id } secret errors { code } } }`, { n: name }, org)).createApiKey;
  return { id: p.apiKey.id, secret: p.secret };
}

describe('invitations', () => {
  test('inviteMember returns a one-time token; only its SHA-256 is stored; the email is lower-cased; 7 days; audited', async () => {
    const org = await createOrg(app);
    const email = `New.Person-${uniqueSuffix()}@Example.TEST`;
    const { token, payload } = await invite(org, email, 'VIEWER');
    expect(payload.invitation).toMatchObject({ email: email.toLowerCase(), role: 'VIEWER', status: 'PENDING', resendCount: 0, invitedBy: { email: org.owner.email }, acceptedAt: null, revokedAt: null });
    expect(new Date(payload.invitation.expiresAt).getTime() - START.getTime()).toBe(7 * DAY);
    expect(token).toMatch(/^tpi_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const { rows } = await app.owner.query(`SELECT to_jsonb(i)::text AS row, token_hash FROM invitations i WHERE org_id = $1`, [org.id]);
    expect(rows).toHaveLength(1);
    const secret = token.split('_').slice(2).join('_');
    expect(rows[0].token_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(rows[0].row).not.toContain(secret);
    // Never readable again: the list shows the invitation, and has no token field at all.
    const list = expectNoErrors(await as(org.owner, `{ organization { invitations { edges { node { id email status } } } } }`, {}, org)).organization.invitations.edges;
    expect(list).toEqual([{ node: { id: payload.invitation.id, email: email.toLowerCase(), status: 'PENDING' } }]);
    expect(JSON.stringify(list)).not.toContain(secret);
    expect(await auditActions(org)).toEqual(['member.invited']);
  });

  test.each([
    ['not an address', 'not-an-email'],
    ['no domain dot', 'a@b'],
    ['two @', 'a@b@example.com'],
    ['a space', 'a b@example.com'],
    ['empty', ''],
    ['double dot', 'a..b@example.com'],
    ['too long', `${'a'.repeat(64)}@${'b'.repeat(250)}.com`],
  ])('a malformed email (%s) is INVALID_EMAIL and writes nothing', async (_label, email) => {
    const org = await createOrg(app);
    const before = await snapshot(org);
    const p = expectNoErrors(await as(org.owner, INVITE, { i: { email, role: 'VIEWER' } }, org)).inviteMember;
    expect(p).toMatchObject({ invitation: null, token: null, errors: [{ code: 'INVALID_EMAIL', field: 'email' }] });
    expect(await snapshot(org)).toEqual(before);
  });

  test('inviting an existing member (any case) is ALREADY_MEMBER; inviting twice is ALREADY_INVITED', async () => {
    const org = await createOrg(app);
    const editor = await addMember(app, org, 'EDITOR');
    const member = expectNoErrors(await as(org.owner, INVITE, { i: { email: editor.email.toUpperCase(), role: 'VIEWER' } }, org)).inviteMember;
    expect(member.errors).toEqual([{ code: 'ALREADY_MEMBER', field: 'email', message: expect.any(String) }]);
    const email = `twice-${uniqueSuffix()}@example.test`;
    await invite(org, email);
    const again = expectNoErrors(await as(org.owner, INVITE, { i: { email, role: 'VIEWER' } }, org)).inviteMember;
    expect(again.errors.map((e: { code: string }) => e.code)).toEqual(['ALREADY_INVITED']);
    // Once the first one expired, a new invitation can be sent.
    clock = new Date(START.getTime() + 8 * DAY);
    expect(expectNoErrors(await as(org.owner, INVITE, { i: { email, role: 'VIEWER' } }, org)).inviteMember.errors).toEqual([]);
  });

  test('nobody invites above their own role: an ADMIN cannot invite an OWNER, but can invite an ADMIN', async () => {
    const org = await createOrg(app);
    const admin = await addMember(app, org, 'ADMIN');
    const before = await snapshot(org);
    const p = expectNoErrors(await as(admin, INVITE, { i: { email: `boss-${uniqueSuffix()}@example.test`, role: 'OWNER' } }, org)).inviteMember;
    expect(p.errors.map((e: { code: string; field: string }) => [e.code, e.field])).toEqual([['ROLE_ABOVE_YOURS', 'role']]);
    expect(await snapshot(org)).toEqual(before);
    expect((await invite(org, `peer-${uniqueSuffix()}@example.test`, 'ADMIN', admin)).payload.invitation.role).toBe('ADMIN');
    // An OWNER can invite an OWNER.
    expect((await invite(org, `co-owner-${uniqueSuffix()}@example.test`, 'OWNER')).payload.invitation.role).toBe('OWNER');
  });

  test('API keys never invite, whatever their scopes; non-admins are FORBIDDEN', async () => {
    const org = await createOrg(app);
    const key = expectNoErrors(await as(org.owner, `mutation { createApiKey(input: { name: "all", scopes: [READ, PUBLISH, MANAGE_ACCESS, TRACKING, WEBHOOKS] }) { secret } }`, {}, org)).createApiKey.secret;
    expect(codes(await as(key, INVITE, { i: { email: `x-${uniqueSuffix()}@example.test`, role: 'VIEWER' } }))).toEqual(['FORBIDDEN']);
    for (const role of ['EDITOR', 'ACCESS_MANAGER', 'VIEWER']) {
      const user = await addMember(app, org, role);
      expect(codes(await as(user, INVITE, { i: { email: `x-${uniqueSuffix()}@example.test`, role: 'VIEWER' } }, org))).toEqual(['FORBIDDEN']);
      expect(codes(await as(user, `{ organization { invitations { edges { node { id } } } } }`, {}, org))).toEqual(['FORBIDDEN']);
    }
  });

  test('resendInvitation: a new token, the old one dead at once, 7 more days, the count goes up; audited', async () => {
    const org = await createOrg(app);
    const invitee = newUser(app, 'invitee');
    const { id, token: old } = await invite(org, invitee.email);
    clock = new Date(START.getTime() + 8 * DAY); // expired: resending revives it
    const p = expectNoErrors(await as(org.owner, RESEND, { id }, org)).resendInvitation;
    expect(p.errors).toEqual([]);
    expect(p.invitation).toMatchObject({ id, resendCount: 1, status: 'PENDING' });
    expect(new Date(p.invitation.expiresAt).getTime()).toBe(clock.getTime() + 7 * DAY);
    expect(p.token).not.toEqual(old);
    expect(expectNoErrors(await as(invitee, ACCEPT, { t: old })).acceptInvitation.errors.map((e: { code: string }) => e.code)).toEqual(['INVALID_TOKEN']);
    expect(expectNoErrors(await as(invitee, ACCEPT, { t: p.token })).acceptInvitation).toMatchObject({ role: 'EDITOR', errors: [] });
    expect(await auditActions(org)).toEqual(['member.invited', 'member.invitation_resent', 'member.joined']);
    // Spent: neither resent nor revoked any more.
    expect(expectNoErrors(await as(org.owner, RESEND, { id }, org)).resendInvitation.errors.map((e: { code: string }) => e.code)).toEqual(['INVITATION_USED']);
    expect(expectNoErrors(await as(org.owner, REVOKE, { id }, org)).revokeInvitation.errors.map((e: { code: string }) => e.code)).toEqual(['INVITATION_USED']);
  });

  test('revokeInvitation kills the token; a revoked invitation is neither resent nor revoked again', async () => {
    const org = await createOrg(app);
    const invitee = newUser(app, 'invitee');
    const { id, token } = await invite(org, invitee.email);
    const p = expectNoErrors(await as(org.owner, REVOKE, { id }, org)).revokeInvitation;
    expect(p).toMatchObject({ token: null, errors: [], invitation: { id, status: 'REVOKED' } });
    expect(expectNoErrors(await as(invitee, ACCEPT, { t: token })).acceptInvitation.errors.map((e: { code: string }) => e.code)).toEqual(['INVITATION_REVOKED']);
    expect(expectNoErrors(await as(org.owner, RESEND, { id }, org)).resendInvitation.errors.map((e: { code: string }) => e.code)).toEqual(['INVITATION_REVOKED']);
    expect(expectNoErrors(await as(org.owner, REVOKE, { id }, org)).revokeInvitation.errors.map((e: { code: string }) => e.code)).toEqual(['INVITATION_REVOKED']);
    expect(expectNoErrors(await as(org.owner, `{ organization { invitations { edges { node { id } } } } }`, {}, org)).organization.invitations.edges).toEqual([]);
    expect(await auditActions(org)).toEqual(['member.invited', 'member.invitation_revoked']);
  });

  test("another organization's invitation is NOT_FOUND to resend or revoke", async () => {
    const [a, b] = [await createOrg(app), await createOrg(app)];
    const { id } = await invite(a, `x-${uniqueSuffix()}@example.test`);
    const before = await snapshot(a);
    expect(codes(await as(b.owner, RESEND, { id }, b))).toEqual(['NOT_FOUND']);
    expect(codes(await as(b.owner, REVOKE, { id }, b))).toEqual(['NOT_FOUND']);
    expect(codes(await as(a.owner, REVOKE, { id: 'not-a-uuid' }, a))).toEqual(['NOT_FOUND']);
    expect(await snapshot(a)).toEqual(before);
  });
});

describe('acceptInvitation', () => {
  test('the invited, verified user joins with the role; the token is single-use; the member list shows them', async () => {
    const org = await createOrg(app);
    const invitee = newUser(app, 'invitee');
    const { token } = await invite(org, invitee.email.toUpperCase(), 'ACCESS_MANAGER');
    // The invitee belongs to no organization yet, and needs no X-Org.
    const p = expectNoErrors(await as(invitee, ACCEPT, { t: token })).acceptInvitation;
    expect(p).toEqual({ organization: { id: org.id, slug: org.slug, viewerRole: 'ACCESS_MANAGER' }, role: 'ACCESS_MANAGER', errors: [] });
    expect((await roles(org))[invitee.email]).toBe('ACCESS_MANAGER');
    const members = expectNoErrors(await as(invitee, MEMBERS)).organization.members.edges.map((e: { node: { user: { email: string }; role: string } }) => [e.node.user.email, e.node.role]);
    expect(members).toEqual([[org.owner.email, 'OWNER'], [invitee.email, 'ACCESS_MANAGER']]);
    const again = expectNoErrors(await as(invitee, ACCEPT, { t: token })).acceptInvitation;
    expect(again).toMatchObject({ organization: null, role: null, errors: [{ code: 'INVITATION_USED', field: 'token' }] });
    const { rows } = await app.owner.query(`SELECT accepted_at, accepted_by FROM invitations WHERE org_id = $1`, [org.id]);
    expect(rows[0]).toEqual({ accepted_at: START, accepted_by: await userId(invitee) });
    expect(await auditActions(org)).toEqual(['member.invited', 'member.joined']);
  });

  test('refusals are typed and write nothing: malformed, unknown, expired, revoked, another email, unverified, already a member', async () => {
    const org = await createOrg(app);
    const invitee = newUser(app, 'invitee');
    const { token, id } = await invite(org, invitee.email);
    const refuse = async (user: TestUser | string, t: string): Promise<string[]> => {
      const before = await snapshot(org);
      const r = expectNoErrors(await as(user, ACCEPT, { t })).acceptInvitation;
      expect(r.organization).toBeNull();
      expect(await snapshot(org)).toEqual(before);
      return r.errors.map((e: { code: string }) => e.code);
    };
    expect(await refuse(invitee, 'garbage')).toEqual(['INVALID_TOKEN']);
    expect(await refuse(invitee, token.slice(0, -1))).toEqual(['INVALID_TOKEN']);
    expect(await refuse(invitee, `${token.slice(0, -4)}AAAA`)).toEqual(['INVALID_TOKEN']);
    expect(await refuse(invitee, `tpi_${'0'.repeat(32)}_${token.split('_').slice(2).join('_')}`)).toEqual(['INVALID_TOKEN']);
    expect(await refuse(newUser(app, 'someone-else'), token)).toEqual(['EMAIL_MISMATCH']);
    expect(await refuse(unverifiedToken(invitee.email), token)).toEqual(['EMAIL_NOT_VERIFIED']);
    clock = new Date(START.getTime() + 7 * DAY);
    expect(await refuse(invitee, token)).toEqual(['INVITATION_EXPIRED']);
    clock = START;
    await addMembership(app, org, invitee, 'VIEWER');
    expect(await refuse(invitee, token)).toEqual(['ALREADY_MEMBER']);
    expect(expectNoErrors(await as(org.owner, REVOKE, { id }, org)).revokeInvitation.errors).toEqual([]);
    expect(await refuse(invitee, token)).toEqual(['INVITATION_REVOKED']);
  });

  test('the lookup setting reveals exactly the invitation whose hash matches, across tenants, and nothing else (RLS, as the app role)', async () => {
    const [a, b] = [await createOrg(app), await createOrg(app)];
    const { token, id } = await invite(a, `x-${uniqueSuffix()}@example.test`);
    await invite(b, `y-${uniqueSuffix()}@example.test`);
    const hash = createHash('sha256').update(token.split('_').slice(2).join('_')).digest('hex');
    const c = await app.appPool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('app.invitation_token_hash', $1, true)`, [hash]);
      expect((await c.query(`SELECT id FROM invitations`)).rows).toEqual([{ id }]);
      // The lookup reads; it writes nothing (the update happens as the tenant, after the match).
      expect((await c.query(`UPDATE invitations SET revoked_at = now()`)).rowCount).toBe(0);
      await c.query(`SELECT set_config('app.invitation_token_hash', $1, true)`, ['0'.repeat(64)]);
      expect((await c.query(`SELECT id FROM invitations`)).rows).toEqual([]);
      await c.query(`SELECT set_config('app.invitation_token_hash', '', true)`);
      expect((await c.query(`SELECT id FROM invitations`)).rows).toEqual([]);
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  });

  test('anonymous callers and API keys cannot accept', async () => {
    const org = await createOrg(app);
    const { token } = await invite(org, `x-${uniqueSuffix()}@example.test`);
    expect(codes(await app.gql(ACCEPT, { variables: { t: token } }))).toEqual(['UNAUTHENTICATED']);
    const key = await apiKey(org, org.owner);
    expect(codes(await as(key.secret, ACCEPT, { t: token }))).toEqual(['FORBIDDEN']);
  });
});

describe('changeMemberRole', () => {
  test('an OWNER changes a role; the change is audited and the member list shows it', async () => {
    const org = await createOrg(app);
    const viewer = await addMember(app, org, 'VIEWER');
    const p = expectNoErrors(await as(org.owner, CHANGE, { u: await userId(viewer), r: 'EDITOR' }, org)).changeMemberRole;
    expect(p).toEqual({ member: { user: { id: await userId(viewer), email: viewer.email }, role: 'EDITOR' }, errors: [] });
    expect((await roles(org))[viewer.email]).toBe('EDITOR');
    expect(await auditActions(org)).toEqual(['member.role_changed']);
    // The new role applies to the very next request.
    expect(codes(await as(viewer, `mutation { updateTrustCenter(input: { headline: "x" }) { errors { code } } }`, {}, org))).toBeUndefined();
  });

  test('nobody grants above their own role; an ADMIN cannot change an OWNER; the last OWNER stays OWNER', async () => {
    const org = await createOrg(app);
    const admin = await addMember(app, org, 'ADMIN');
    const viewer = await addMember(app, org, 'VIEWER');
    const before = await snapshot(org);
    const refusal = async (by: TestUser, u: string, r: string): Promise<unknown> => expectNoErrors(await as(by, CHANGE, { u, r }, org)).changeMemberRole;
    expect(await refusal(admin, await userId(viewer), 'OWNER')).toEqual({ member: null, errors: [{ code: 'ROLE_ABOVE_YOURS', field: 'role' }] });
    expect(await refusal(admin, await userId(admin), 'OWNER')).toEqual({ member: null, errors: [{ code: 'ROLE_ABOVE_YOURS', field: 'role' }] });
    expect(await refusal(admin, await userId(org.owner), 'VIEWER')).toEqual({ member: null, errors: [{ code: 'OWNER_PROTECTED', field: 'userId' }] });
    expect(await refusal(org.owner, await userId(org.owner), 'ADMIN')).toEqual({ member: null, errors: [{ code: 'LAST_OWNER', field: 'role' }] });
    expect(await snapshot(org)).toEqual(before);
    // An ADMIN may grant ADMIN; with a second OWNER, the first may step down.
    expect((await refusal(admin, await userId(viewer), 'ADMIN') as { errors: unknown[] }).errors).toEqual([]);
    expect((await refusal(org.owner, await userId(viewer), 'OWNER') as { errors: unknown[] }).errors).toEqual([]);
    expect((await refusal(org.owner, await userId(org.owner), 'ADMIN') as { errors: unknown[] }).errors).toEqual([]);
    expect(await roles(org)).toEqual({ [org.owner.email]: 'ADMIN', [admin.email]: 'ADMIN', [viewer.email]: 'OWNER' });
  });

  test("a user of another organization, or no user, is NOT_FOUND", async () => {
    const [a, b] = [await createOrg(app), await createOrg(app)];
    for (const u of [await userId(b.owner), '00000000-0000-4000-8000-000000000000', 'nope']) {
      expect(codes(await as(a.owner, CHANGE, { u, r: 'VIEWER' }, a))).toEqual(['NOT_FOUND']);
      expect(codes(await as(a.owner, REMOVE, { u }, a))).toEqual(['NOT_FOUND']);
      expect(codes(await as(a.owner, TRANSFER, { u }, a))).toEqual(['NOT_FOUND']);
    }
    expect(await roles(b)).toEqual({ [b.owner.email]: 'OWNER' });
  });
});

describe('removeMember and leaveOrganization', () => {
  test("removing a member revokes the API keys they created, at once, and their token stops reaching the org", async () => {
    const org = await createOrg(app);
    const admin = await addMember(app, org, 'ADMIN');
    const theirs = await apiKey(org, admin, 'admin key');
    const ownersKey = await apiKey(org, org.owner, 'owner key');
    const READ = `{ organization { id } }`;
    expect(codes(await as(admin, READ, {}, org))).toBeUndefined();
    expect(codes(await as(theirs.secret, READ))).toBeUndefined();

    const p = expectNoErrors(await as(org.owner, REMOVE, { u: await userId(admin) }, org)).removeMember;
    expect(p).toEqual({ removedUserId: await userId(admin), revokedApiKeyIds: [theirs.id], errors: [] });
    // The next request: the key is revoked, the person is no longer a member (with or without X-Org).
    expect(codes(await as(theirs.secret, READ))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await as(admin, READ, {}, org))).toEqual(['FORBIDDEN']);
    expect(codes(await as(admin, READ))).toEqual(['ORG_REQUIRED']);
    expect(codes(await as(ownersKey.secret, READ))).toBeUndefined();
    expect(await roles(org)).toEqual({ [org.owner.email]: 'OWNER' });
    const { rows } = await app.owner.query(`SELECT action, target_id, details FROM audit_events WHERE org_id = $1 AND action = 'member.removed'`, [org.id]);
    expect(rows).toEqual([{ action: 'member.removed', target_id: await userId(admin), details: { email: admin.email, role: 'ADMIN', revokedApiKeyIds: [theirs.id] } }]);
  });

  test('an ADMIN cannot remove an OWNER; nobody removes the last OWNER; an ADMIN removes an ADMIN', async () => {
    const org = await createOrg(app);
    const admin = await addMember(app, org, 'ADMIN');
    const other = await addMember(app, org, 'ADMIN');
    const before = await snapshot(org);
    expect(expectNoErrors(await as(admin, REMOVE, { u: await userId(org.owner) }, org)).removeMember).toEqual({ removedUserId: null, revokedApiKeyIds: null, errors: [{ code: 'OWNER_PROTECTED', field: 'userId' }] });
    expect(expectNoErrors(await as(org.owner, REMOVE, { u: await userId(org.owner) }, org)).removeMember.errors).toEqual([{ code: 'LAST_OWNER', field: 'userId' }]);
    expect(await snapshot(org)).toEqual(before);
    expect(expectNoErrors(await as(admin, REMOVE, { u: await userId(other) }, org)).removeMember.errors).toEqual([]);
    expect(Object.keys(await roles(org)).sort()).toEqual([admin.email, org.owner.email].sort());
  });

  test('any member leaves (revoking the keys they created); the last OWNER cannot', async () => {
    const org = await createOrg(app);
    const admin = await addMember(app, org, 'ADMIN');
    const key = await apiKey(org, admin);
    const viewer = await addMember(app, org, 'VIEWER');
    expect(expectNoErrors(await as(viewer, LEAVE, {}, org)).leaveOrganization).toEqual({ removedUserId: await userId(viewer), revokedApiKeyIds: [], errors: [] });
    expect(expectNoErrors(await as(admin, LEAVE, {}, org)).leaveOrganization).toEqual({ removedUserId: await userId(admin), revokedApiKeyIds: [key.id], errors: [] });
    expect(expectNoErrors(await as(org.owner, LEAVE, {}, org)).leaveOrganization).toEqual({ removedUserId: null, revokedApiKeyIds: null, errors: [{ code: 'LAST_OWNER', field: null }] });
    expect(await roles(org)).toEqual({ [org.owner.email]: 'OWNER' });
    expect(await auditActions(org)).toEqual(['member.left', 'member.left']);
    expect(codes(await as(viewer, `{ organization { id } }`, {}, org))).toEqual(['FORBIDDEN']);
    expect(codes(await as(key.secret, LEAVE))).toEqual(['UNAUTHENTICATED']);
  });

  test('at least one OWNER under concurrency: two owners leaving, demoting or removing each other at once leave exactly one', async () => {
    for (let round = 0; round < 3; round++) {
      const org = await createOrg(app);
      const second = await addMember(app, org, 'OWNER');
      const [a, b] = [await userId(org.owner), await userId(second)];
      const ops = [
        () => [as(org.owner, LEAVE, {}, org), as(second, LEAVE, {}, org)],
        () => [as(org.owner, CHANGE, { u: a, r: 'ADMIN' }, org), as(second, CHANGE, { u: b, r: 'ADMIN' }, org)],
        () => [as(org.owner, REMOVE, { u: b }, org), as(second, REMOVE, { u: a }, org)],
      ][round]!;
      const results = await Promise.all(ops());
      const outcomes = results.map((r) => {
        if (r.errors) return r.errors.map((e) => e.extensions?.code).join();
        const payload = Object.values(r.data!)[0] as { errors: { code: string }[] };
        return payload.errors.map((e) => e.code).join() || 'ok';
      });
      if (process.env.MEMBERS_DEBUG) process.stdout.write(`round ${round}: ${JSON.stringify(outcomes)} ${JSON.stringify(results.map((r) => r.errors ?? r.data))}\n`);
      // One wins; the other finds itself the last OWNER, or no longer a member (NOT_FOUND), never both succeed.
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
      const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM memberships WHERE org_id = $1 AND role = 'OWNER'`, [org.id]);
      expect(rows[0].n).toBe(1);
    }
  });
});

describe('transferOwnership', () => {
  test('the target becomes OWNER and the old owner ADMIN; audited; the old owner can no longer change the new one', async () => {
    const org = await createOrg(app);
    const editor = await addMember(app, org, 'EDITOR');
    const p = expectNoErrors(await as(org.owner, TRANSFER, { u: await userId(editor) }, org)).transferOwnership;
    expect(p).toEqual({ member: { user: { id: await userId(editor) }, role: 'OWNER' }, errors: [] });
    expect(await roles(org)).toEqual({ [org.owner.email]: 'ADMIN', [editor.email]: 'OWNER' });
    expect(await auditActions(org)).toEqual(['member.ownership_transferred']);
    expect(expectNoErrors(await as(org.owner, CHANGE, { u: await userId(editor), r: 'VIEWER' }, org)).changeMemberRole.errors).toEqual([{ code: 'OWNER_PROTECTED', field: 'userId' }]);
    expect(codes(await as(org.owner, TRANSFER, { u: await userId(editor) }, org))).toEqual(['FORBIDDEN']);
  });

  test('only an OWNER transfers; naming yourself is SELF_TARGET', async () => {
    const org = await createOrg(app);
    const admin = await addMember(app, org, 'ADMIN');
    const before = await snapshot(org);
    expect(codes(await as(admin, TRANSFER, { u: await userId(admin) }, org))).toEqual(['FORBIDDEN']);
    expect(expectNoErrors(await as(org.owner, TRANSFER, { u: await userId(org.owner) }, org)).transferOwnership.errors).toEqual([{ code: 'SELF_TARGET', field: 'userId' }]);
    expect(await snapshot(org)).toEqual(before);
  });
});

describe('organization { members invitations }', () => {
  test('every role reads members; lists are connections with cursors', async () => {
    const org = await createOrg(app);
    const viewer = await addMember(app, org, 'VIEWER');
    await addMember(app, org, 'EDITOR');
    const first = expectNoErrors(await as(viewer, `{ organization { members(first: 2) { edges { node { role } } pageInfo { hasNextPage endCursor } } } }`, {}, org)).organization.members;
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = expectNoErrors(await as(viewer, `query($a: String!) { organization { members(first: 2, after: $a) { edges { node { role } } pageInfo { hasNextPage } } } }`, { a: first.pageInfo.endCursor }, org)).organization.members;
    expect(rest).toEqual({ edges: [{ node: { role: 'EDITOR' } }], pageInfo: { hasNextPage: false } });

    for (let i = 0; i < 3; i++) await invite(org, `page-${i}-${uniqueSuffix()}@example.test`);
    const inv = expectNoErrors(await as(org.owner, `{ organization { invitations(first: 2) { edges { node { email } } pageInfo { hasNextPage endCursor } } } }`, {}, org)).organization.invitations;
    expect(inv.edges).toHaveLength(2);
    const more = expectNoErrors(await as(org.owner, `query($a: String!) { organization { invitations(first: 2, after: $a) { edges { node { email } } pageInfo { hasNextPage } } } }`, { a: inv.pageInfo.endCursor }, org)).organization.invitations;
    expect(more.edges).toHaveLength(1);
    expect(more.pageInfo.hasNextPage).toBe(false);
  });

  test("an expired invitation is listed as EXPIRED (it can be resent)", async () => {
    const org = await createOrg(app);
    await invite(org, `late-${uniqueSuffix()}@example.test`);
    clock = new Date(START.getTime() + 7 * DAY + 1);
    const list = expectNoErrors(await as(org.owner, `{ organization { invitations { edges { node { status } } } } }`, {}, org)).organization.invitations.edges;
    expect(list).toEqual([{ node: { status: 'EXPIRED' } }]);
  });
});
