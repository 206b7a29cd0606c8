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
import {
  acceptNda,
  createDocument,
  createDocumentWithFile,
  decide,
  draftNdaTemplate,
  pdfBytes,
  publishNda,
  putToTicket,
  requestAccess,
  sha256Hex,
  startUpload,
  tenantRowsSnapshot,
} from '../support/documents';

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
/** document.write */
const DOCUMENT_WRITERS: Role[] = ['OWNER', 'ADMIN', 'EDITOR'];
/** nda.manage, access.policy, audit.read, mail.read */
const ADMINS: Role[] = ['OWNER', 'ADMIN'];
/** access.decide */
const DECIDERS: Role[] = ['OWNER', 'ADMIN', 'ACCESS_MANAGER'];
/** tracking.write */
const TRACKERS: Role[] = ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER'];
/** access.read, analytics.read */
const READERS: Role[] = ['OWNER', 'ADMIN', 'ACCESS_MANAGER', 'VIEWER'];

interface Operation {
  query: string;
  variables?: Record<string, unknown>;
  /** Other orgs the operation touches (the vendor of a customer-side mutation): a refusal must leave them unchanged too. */
  others?: string[];
  /** The org whose rows an allowed call changes, when not the acting one (acceptInvitation joins another org). */
  changes?: string;
}
interface MutationCase {
  mutation: string;
  allowed: Role[];
  /** Puts a fresh org in the state where the mutation succeeds, and returns the operation (`user`: who will call it). */
  prepare(org: TestOrg, user: TestUser): Promise<Operation>;
  /** Publishes the org's trust center first (unpublishTrustCenter needs it). */
  publishedTrustCenter?: boolean;
}

/** A SOC 2 Type II in progress, recorded by the org's owner. */
async function createInProgress(org: TestOrg): Promise<string> {
  const r = await app.gql(`mutation { createAttestationInProgress(input: { framework: SOC2, socType: TYPE_II, expectedReportDate: "2099-05-15" }) { attestationInProgress { id } errors { code } } }`, { token: org.owner.token, org: org.slug });
  const payload = expectNoErrors(r).createAttestationInProgress;
  if (payload.errors.length) throw new Error(JSON.stringify(payload.errors));
  return payload.attestationInProgress.id as string;
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

  {
    mutation: 'createAttestationInProgress',
    allowed: WRITERS,
    prepare: async () => ({
      query: `mutation($i: CreateAttestationInProgressInput!) { createAttestationInProgress(input: $i) { errors { code } } }`,
      variables: { i: { framework: 'SOC2', socType: 'TYPE_II', observationStart: '2026-03-01', expectedReportDate: '2099-05-15' } },
    }),
  },
  {
    mutation: 'updateAttestationInProgress',
    allowed: WRITERS,
    prepare: async (org) => ({
      query: `mutation($id: ID!) { updateAttestationInProgress(id: $id, input: { auditor: "Audit LLP" }) { errors { code } } }`,
      variables: { id: await createInProgress(org) },
    }),
  },
  {
    mutation: 'cancelAttestationInProgress',
    allowed: WRITERS,
    prepare: async (org) => ({
      query: `mutation($id: ID!) { cancelAttestationInProgress(id: $id) { errors { code } } }`,
      variables: { id: await createInProgress(org) },
    }),
  },
  {
    mutation: 'completeAttestationInProgress',
    allowed: WRITERS,
    prepare: async (org) => ({
      query: `mutation($id: ID!, $a: ID!) { completeAttestationInProgress(id: $id, attestationId: $a) { errors { code } } }`,
      variables: { id: await createInProgress(org), a: await createAttestation(app, org, soc2TypeII(2025)) },
    }),
  },
  {
    mutation: 'setExceptionResponse',
    allowed: WRITERS,
    prepare: async (org) => {
      const id = await createAttestation(app, org, soc2TypeII(2025, { exceptions: [{ controlRef: 'CC6.2', description: 'Late deprovisioning' }] }), true);
      const read = await app.gql(`query($id: ID!) { attestation(id: $id) { exceptions { id } } }`, { token: org.owner.token, org: org.slug, variables: { id } });
      return {
        query: `mutation($i: SetExceptionResponseInput!) { setExceptionResponse(input: $i) { errors { code } } }`,
        variables: { i: { attestationId: id, exceptionId: expectNoErrors(read).attestation.exceptions[0].id, managementResponse: 'Automating offboarding', status: 'IN_PROGRESS' } },
      };
    },
  },

  // ---- documents (document.write) ----
  {
    mutation: 'createDocument',
    allowed: DOCUMENT_WRITERS,
    prepare: async () => ({
      query: `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { errors { code } } }`,
      variables: { input: { title: 'Information security policy', kind: 'POLICY' } },
    }),
  },
  {
    mutation: 'updateDocument',
    allowed: DOCUMENT_WRITERS,
    prepare: async (org) => ({
      query: `mutation($input: UpdateDocumentInput!) { updateDocument(input: $input) { errors { code } } }`,
      variables: { input: { id: await createDocument(app, org, { title: 'Policy', kind: 'POLICY' }), title: 'Renamed', visibility: 'PRIVATE' } },
    }),
  },
  {
    mutation: 'createDocumentUpload',
    allowed: DOCUMENT_WRITERS,
    prepare: async (org) => {
      const bytes = await pdfBytes('Upload');
      return {
        query: `mutation($input: CreateDocumentUploadInput!) { createDocumentUpload(input: $input) { errors { code } } }`,
        variables: { input: { documentId: await createDocument(app, org), fileName: 'report.pdf', contentType: 'application/pdf', sizeBytes: bytes.length, sha256: sha256Hex(bytes) } },
      };
    },
  },
  {
    mutation: 'completeDocumentUpload',
    allowed: DOCUMENT_WRITERS,
    prepare: async (org) => {
      const bytes = await pdfBytes('Complete');
      const ticket = await startUpload(app, org, await createDocument(app, org), { bytes });
      const put = await putToTicket(ticket, bytes);
      if (!put.ok) throw new Error(`upload failed: HTTP ${put.status}`);
      return { query: `mutation($v: ID!) { completeDocumentUpload(versionId: $v) { errors { code } } }`, variables: { v: ticket.versionId } };
    },
  },
  // ---- NDA (nda.manage) ----
  {
    mutation: 'createNdaTemplate',
    allowed: ADMINS,
    prepare: async () => ({
      query: `mutation($i: CreateNdaTemplateInput!) { createNdaTemplate(input: $i) { errors { code } } }`,
      variables: { i: { title: 'Mutual NDA', body: 'The parties agree to keep each other\'s information confidential.' } },
    }),
  },
  {
    mutation: 'publishNdaTemplate',
    allowed: ADMINS,
    prepare: async (org) => ({
      query: `mutation($id: ID!) { publishNdaTemplate(id: $id) { errors { code } } }`,
      variables: { id: await draftNdaTemplate(app, org) },
    }),
  },
  // ---- access policy (access.policy) ----
  {
    mutation: 'updateAccessPolicy',
    allowed: ADMINS,
    prepare: async () => ({
      query: `mutation($i: UpdateAccessPolicyInput!) { updateAccessPolicy(input: $i) { errors { code } } }`,
      variables: { i: { defaultGrantDays: 30, autoApproveDomains: ['partner.example'] } },
    }),
  },
  // ---- decisions (access.decide) ----
  {
    mutation: 'recordNdaOnFile',
    allowed: DECIDERS,
    publishedTrustCenter: true,
    prepare: async (org) => {
      const customer = await createOrg(app, { prefix: 'cust' });
      await createDocumentWithFile(app, org, { title: 'Restricted report', visibility: 'RESTRICTED' });
      const asked = await requestAccess(app, customer, customer.owner, org.slug);
      if (asked.errors.length) throw new Error(`requestAccess: ${JSON.stringify(asked.errors)}`);
      return {
        query: `mutation($i: RecordNdaOnFileInput!) { recordNdaOnFile(input: $i) { errors { code } } }`,
        variables: { i: { customerSlug: customer.slug, signerName: 'Signed On Paper', note: 'scan in the drive' } },
        others: [customer.id],
      };
    },
  },
  {
    mutation: 'decideAccessRequest',
    allowed: DECIDERS,
    publishedTrustCenter: true,
    prepare: async (org) => {
      const { customer, requestId } = await pendingRequestTo(org);
      return {
        query: `mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { errors { code } } }`,
        variables: { i: { id: requestId, approve: true, reason: 'known customer' } },
        others: [customer.id],
      };
    },
  },
  {
    mutation: 'revokeAccess',
    allowed: DECIDERS,
    publishedTrustCenter: true,
    prepare: async (org) => {
      const { customer, requestId } = await pendingRequestTo(org);
      const d = await decide(app, org, requestId);
      if (d.errors.length) throw new Error(JSON.stringify(d.errors));
      return {
        query: `mutation($i: RevokeAccessInput!) { revokeAccess(input: $i) { errors { code } } }`,
        variables: { i: { requestId, reason: 'contract ended' } },
        others: [customer.id],
      };
    },
  },
  // ---- customer side (customer.request): the org under test is the customer, asking another vendor ----
  {
    mutation: 'requestAccess',
    allowed: ROLES,
    prepare: async () => {
      const vendor = await vendorWithRestrictedDocument();
      return {
        query: `mutation($i: RequestAccessInput!) { requestAccess(input: $i) { errors { code } } }`,
        variables: { i: { trustCenterSlug: vendor.slug, reason: 'vendor review' } },
        others: [vendor.id],
      };
    },
  },
  {
    mutation: 'acceptNda',
    allowed: ROLES,
    prepare: async () => {
      const vendor = await vendorWithRestrictedDocument();
      const nda = await publishNda(app, vendor);
      return {
        query: `mutation($i: AcceptNdaInput!) { acceptNda(input: $i) { errors { code } } }`,
        variables: { i: { trustCenterSlug: vendor.slug, version: nda.version, signerName: 'Pat Buyer' } },
        others: [vendor.id],
      };
    },
  },
  // ---- tracking (tracking.write): the org under test is the customer watching vendors ----
  {
    mutation: 'watchVendor',
    allowed: TRACKERS,
    prepare: async () => {
      const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
      return { query: `mutation($i: WatchVendorInput!) { watchVendor(input: $i) { errors { code } } }`, variables: { i: { trustCenterSlug: vendor.slug } } };
    },
  },
  {
    mutation: 'unwatchVendor',
    allowed: TRACKERS,
    prepare: async (org) => ({ query: `mutation($w: ID!) { unwatchVendor(watchId: $w) { errors { code } } }`, variables: { w: await offPlatformWatch(org) } }),
  },
  {
    mutation: 'recordVendorAttestation',
    allowed: TRACKERS,
    prepare: async (org) => ({
      query: `mutation($i: RecordVendorAttestationInput!) { recordVendorAttestation(input: $i) { errors { code } } }`,
      variables: { i: { watchId: await offPlatformWatch(org), framework: 'ISO27001', issueDate: '2025-01-10', certificateValidUntil: '2028-01-09' } },
    }),
  },
  {
    mutation: 'setRequirementPolicy',
    allowed: TRACKERS,
    prepare: async () => ({ query: `mutation { setRequirementPolicy(input: { maxAgeMonths: 6 }) { errors { code } } }` }),
  },
  {
    mutation: 'reviewVendorReport',
    allowed: TRACKERS,
    prepare: async (org) => {
      const watchId = await offPlatformWatch(org);
      const recorded = await app.gql(`mutation($i: RecordVendorAttestationInput!) { recordVendorAttestation(input: $i) { attestationId errors { code } } }`, {
        token: org.owner.token, org: org.slug,
        variables: { i: { watchId, framework: 'SOC2', socType: 'TYPE_II', periodStart: '2025-04-01', periodEnd: '2026-03-31', issueDate: '2026-05-01', opinion: 'QUALIFIED' } },
      });
      const attestationId = expectNoErrors(recorded).recordVendorAttestation.attestationId;
      return { query: `mutation($i: ReviewVendorReportInput!) { reviewVendorReport(input: $i) { errors { code } } }`, variables: { i: { watchId, attestationId, decision: 'ACCEPTED' } } };
    },
  },
  {
    mutation: 'clearRequirementPolicyOverride',
    allowed: TRACKERS,
    prepare: async (org) => {
      const watchId = await offPlatformWatch(org);
      const r = await app.gql(`mutation($w: ID!) { setRequirementPolicy(input: { watchId: $w, maxAgeMonths: 3 }) { errors { code } } }`, { token: org.owner.token, org: org.slug, variables: { w: watchId } });
      expectNoErrors(r);
      return { query: `mutation($w: ID!) { clearRequirementPolicyOverride(watchId: $w) { errors { code } } }`, variables: { w: watchId } };
    },
  },
  // ---- webhooks (webhooks.manage) ----
  {
    mutation: 'createWebhookEndpoint',
    allowed: ADMINS,
    prepare: async () => ({ query: `mutation { createWebhookEndpoint(input: { url: "https://127.0.0.1:9/in" }) { errors { code } } }` }),
  },
  {
    mutation: 'setWebhookEndpointEnabled',
    allowed: ADMINS,
    prepare: async (org) => ({ query: `mutation($id: ID!) { setWebhookEndpointEnabled(id: $id, enabled: false) { id } }`, variables: { id: await endpointOf(org) } }),
  },
  {
    mutation: 'deleteWebhookEndpoint',
    allowed: ADMINS,
    prepare: async (org) => ({ query: `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, variables: { id: await endpointOf(org) } }),
  },
  {
    mutation: 'testWebhookEndpoint',
    allowed: ADMINS,
    prepare: async (org) => ({ query: `mutation($id: ID!) { testWebhookEndpoint(id: $id) { id } }`, variables: { id: await endpointOf(org) } }),
  },
  // ---- subscriptions (tracking.write), the feed (any member), subprocessors (trustCenter.update) ----
  {
    mutation: 'subscribeToVendor',
    allowed: TRACKERS,
    prepare: async () => {
      const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
      return { query: `mutation($s: String!) { subscribeToVendor(input: { trustCenterSlug: $s }) { errors { code } } }`, variables: { s: vendor.slug } };
    },
  },
  {
    mutation: 'unsubscribeFromVendor',
    allowed: TRACKERS,
    prepare: async (org) => {
      const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
      const r = await app.gql(`mutation($s: String!) { subscribeToVendor(input: { trustCenterSlug: $s }) { subscription { id } } }`, { token: org.owner.token, org: org.slug, variables: { s: vendor.slug } });
      return { query: `mutation($id: ID!) { unsubscribeFromVendor(id: $id) }`, variables: { id: expectNoErrors(r).subscribeToVendor.subscription.id } };
    },
  },
  {
    mutation: 'markNotificationsRead',
    allowed: ROLES,
    prepare: async (org) => {
      await app.owner.query(`INSERT INTO notifications (org_id, event_id, type, title) VALUES ($1, gen_random_uuid(), 'webhook.test', 'test')`, [org.id]);
      return { query: `mutation { markNotificationsRead }` };
    },
  },
  {
    mutation: 'addSubprocessor',
    allowed: WRITERS,
    prepare: async () => ({ query: `mutation { addSubprocessor(input: { name: "Amazon Web Services", purpose: "Hosting", location: "EU" }) { id } }` }),
  },
  {
    mutation: 'createSubprocessor',
    allowed: WRITERS,
    prepare: async () => ({ query: `mutation { createSubprocessor(input: { name: "Google Cloud", purpose: "Hosting", location: "EU", websiteUrl: "https://cloud.google.com" }) { errors { code } } }` }),
  },
  {
    mutation: 'removeSubprocessor',
    allowed: WRITERS,
    prepare: async (org) => {
      const r = await app.gql(`mutation { addSubprocessor(input: { name: "Stripe", purpose: "Payments", location: "US" }) { id } }`, { token: org.owner.token, org: org.slug });
      return { query: `mutation($id: ID!) { removeSubprocessor(id: $id) }`, variables: { id: expectNoErrors(r).addSubprocessor.id } };
    },
  },
  // ---- API keys (apikeys.manage) ----
  {
    mutation: 'createApiKey',
    allowed: ADMINS,
    prepare: async () => ({ query: `mutation { createApiKey(input: { name: "ci", scopes: [READ] }) { errors { code } } }` }),
  },
  {
    mutation: 'rotateApiKey',
    allowed: ADMINS,
    prepare: async (org) => ({ query: `mutation($id: ID!) { rotateApiKey(id: $id) { errors { code } } }`, variables: { id: await apiKeyOf(org) } }),
  },
  {
    mutation: 'revokeApiKey',
    allowed: ADMINS,
    prepare: async (org) => ({ query: `mutation($id: ID!) { revokeApiKey(id: $id) { errors { code } } }`, variables: { id: await apiKeyOf(org) } }),
  },
  // ---- members (members.manage, members.transfer, members.leave; acceptInvitation: any signed-in person) ----
  {
    mutation: 'inviteMember',
    allowed: ADMINS,
    prepare: async () => ({ query: `mutation { inviteMember(input: { email: "new-${Date.now()}@example.test", role: VIEWER }) { errors { code } } }` }),
  },
  {
    mutation: 'resendInvitation',
    allowed: ADMINS,
    prepare: async (org) => ({ query: `mutation($id: ID!) { resendInvitation(id: $id) { errors { code } } }`, variables: { id: (await invitationOf(org)).id } }),
  },
  {
    mutation: 'revokeInvitation',
    allowed: ADMINS,
    prepare: async (org) => ({ query: `mutation($id: ID!) { revokeInvitation(id: $id) { errors { code } } }`, variables: { id: (await invitationOf(org)).id } }),
  },
  {
    mutation: 'changeMemberRole',
    allowed: ADMINS,
    prepare: async (org) => ({ query: `mutation($u: ID!) { changeMemberRole(userId: $u, role: EDITOR) { errors { code } } }`, variables: { u: await userIdOf(await addMember(app, org, 'VIEWER')) } }),
  },
  {
    mutation: 'removeMember',
    allowed: ADMINS,
    prepare: async (org) => ({ query: `mutation($u: ID!) { removeMember(userId: $u) { errors { code } } }`, variables: { u: await userIdOf(await addMember(app, org, 'VIEWER')) } }),
  },
  {
    mutation: 'transferOwnership',
    allowed: ['OWNER'],
    prepare: async (org) => ({ query: `mutation($u: ID!) { transferOwnership(userId: $u) { errors { code } } }`, variables: { u: await userIdOf(await addMember(app, org, 'EDITOR')) } }),
  },
  {
    mutation: 'leaveOrganization',
    allowed: ROLES,
    // A second OWNER, so that the OWNER under test is not the last one.
    prepare: async (org) => {
      await addMember(app, org, 'OWNER');
      return { query: `mutation { leaveOrganization { errors { code } } }` };
    },
  },
  {
    mutation: 'updateMailPreferences',
    allowed: ROLES,
    // Any member: their own alert mail, in the active organization.
    prepare: async () => ({ query: `mutation { updateMailPreferences(input: { preferences: [{ category: NEW_REPORT, mode: OFF }] }) { errors { code } } }` }),
  },
  {
    mutation: 'acceptInvitation',
    allowed: ROLES,
    // Any signed-in person: the member under test accepts another organization's invitation (that org is what changes).
    prepare: async (_org, user) => {
      const other = await createOrg(app, { prefix: 'inviter' });
      const { token } = await invitationOf(other, user.email);
      return { query: `mutation($t: String!) { acceptInvitation(token: $t) { errors { code } } }`, variables: { t: token }, others: [other.id], changes: other.id };
    },
  },
  // ---- downloads: no role gate; every member gets its own org's documents (anonymous callers: see below) ----
  {
    mutation: 'requestDocumentDownload',
    allowed: ROLES,
    prepare: async (org) => ({
      query: `mutation($d: ID!) { requestDocumentDownload(documentId: $d) { errors { code } } }`,
      variables: { d: (await createDocumentWithFile(app, org, { title: 'SOC 2 Type II' })).id },
    }),
  },
];

/** A pending invitation of `org` (to a fresh address unless given), sent by its owner. */
async function invitationOf(org: TestOrg, email = `invitee-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test`): Promise<{ id: string; token: string }> {
  const r = await app.gql(`mutation($e: String!) { inviteMember(input: { email: $e, role: VIEWER }) { invitation { id } token errors { code } } }`, { token: org.owner.token, org: org.slug, variables: { e: email } });
  const p = expectNoErrors(r).inviteMember;
  if (p.errors.length) throw new Error(JSON.stringify(p.errors));
  return { id: p.invitation.id, token: p.token };
}

/** The user id of a member made by the factories. */
async function userIdOf(user: TestUser): Promise<string> {
  const { rows } = await app.owner.query(`SELECT id FROM users WHERE subject = $1`, [`test|${user.email}`]);
  return rows[0].id;
}

/** An API key of `org`, created by its owner. */
async function apiKeyOf(org: TestOrg): Promise<string> {
  const r = await app.gql(`mutation { createApiKey(input: { name: "k", scopes: [READ] }) { apiKey { id } } }`, { token: org.owner.token, org: org.slug });
  return expectNoErrors(r).createApiKey.apiKey.id;
}

/** A webhook endpoint of `org`, created by its owner. */
async function endpointOf(org: TestOrg): Promise<string> {
  const r = await app.gql(`mutation { createWebhookEndpoint(input: { url: "https://127.0.0.1:9/in" }) { endpoint { id } } }`, { token: org.owner.token, org: org.slug });
  return expectNoErrors(r).createWebhookEndpoint.endpoint.id;
}

/** An off-platform vendor on `org`'s watchlist, added by its owner. */
async function offPlatformWatch(org: TestOrg): Promise<string> {
  const r = await app.gql(`mutation { watchVendor(input: { name: "Initech", domain: "initech.example" }) { vendor { id } errors { code } } }`, { token: org.owner.token, org: org.slug });
  return expectNoErrors(r).watchVendor.vendor.id;
}

/** A published vendor with a RESTRICTED SOC 2 report that has a verified file. */
async function vendorWithRestrictedDocument(): Promise<TestOrg> {
  const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
  await createDocumentWithFile(app, vendor, { title: 'SOC 2 Type II' });
  return vendor;
}

/** A restricted document in `vendor` and a REQUESTED access request for it from a fresh customer org. */
async function pendingRequestTo(vendor: TestOrg): Promise<{ customer: TestOrg; requestId: string }> {
  const doc = await createDocumentWithFile(app, vendor, { title: 'SOC 2 Type II' });
  const customer = await createOrg(app, { prefix: 'cust' });
  const req = await requestAccess(app, customer, customer.owner, vendor.slug, { documentIds: [doc.id] });
  if (req.errors.length || req.accessRequest.state !== 'REQUESTED') throw new Error(`request not pending: ${JSON.stringify(req)}`);
  return { customer, requestId: req.accessRequest.id };
}

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

/** The org's rows in every tenant table (orgSnapshot's and the document, NDA, access and audit tables). */
async function snapshot(orgId: string): Promise<Record<string, unknown[]>> {
  return { ...(await orgSnapshot(app, orgId)), ...(await tenantRowsSnapshot(app, orgId)) };
}

/** Snapshots of the org under test and of every other org the operation touches. */
async function snapshots(orgId: string, op: Operation): Promise<Record<string, unknown[]>[]> {
  return Promise.all([orgId, ...(op.others ?? [])].map(snapshot));
}

describe('each mutation against each role', () => {
  test.each(TABLE)('$mutation as $role is $expected', async ({ mutation, role, allow, prepare, publishedTrustCenter }) => {
    const org = await createOrg(app, { publish: publishedTrustCenter });
    const user = await memberWithRole(org, role);
    const op = await prepare(org, user);
    const before = await snapshots(org.id, op);

    const r = await as(user, op, org.slug);

    if (allow) {
      expect(r.errors).toBeUndefined();
      const result = r.data![mutation];
      if (result && typeof result === 'object' && 'errors' in result) expect(result.errors).toEqual([]);
      else expect(result).not.toBeNull();
      const changed = op.changes ?? org.id;
      expect(await snapshot(changed)).not.toEqual(before[[org.id, ...(op.others ?? [])].indexOf(changed)]);
    } else {
      expect(r.data).toBeNull();
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(await snapshots(org.id, op)).toEqual(before);
    }
  });

  test('the role table covers every mutation of the schema but createOrganization', async () => {
    const r = await app.gql(`{ __type(name: "Mutation") { fields(includeDeprecated: true) { name } } }`);
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

describe('role-gated reads', () => {
  /** A published vendor with a restricted report, an NDA, a pending request from a customer who accepted the NDA. */
  async function busyVendor(): Promise<{ org: TestOrg; customer: TestOrg; requestId: string }> {
    const org = await createOrg(app, { publish: true });
    const { customer, requestId } = await pendingRequestTo(org);
    const nda = await publishNda(app, org);
    const accepted = await acceptNda(app, customer, customer.owner, org.slug, nda.version);
    if (accepted.errors.length) throw new Error(JSON.stringify(accepted.errors));
    return { org, customer, requestId };
  }

  interface ReadCase {
    read: string;
    action: string;
    allowed: Role[];
    query: string;
    check(data: Record<string, any>, ctx: { customer: TestOrg; requestId: string }): void;
  }
  const READS: ReadCase[] = [
    {
      read: 'organization { auditEvents }',
      action: 'audit.read',
      allowed: ADMINS,
      query: `{ organization { auditEvents(first: 100) { edges { node { seq action } } } } }`,
      check: (d) => expect(d.organization.auditEvents.edges.map((e: any) => e.node.action)).toEqual(expect.arrayContaining(['access.requested', 'nda.published', 'nda.accepted'])),
    },
    {
      read: 'verifyAuditLog',
      action: 'audit.read',
      allowed: ADMINS,
      query: `{ verifyAuditLog { valid checkedEvents firstBrokenSeq } }`,
      check: (d) => expect(d.verifyAuditLog).toEqual({ valid: true, checkedEvents: expect.any(Number), firstBrokenSeq: null }),
    },
    {
      read: 'organization { accessRequests }',
      action: 'access.read',
      allowed: READERS,
      query: `{ organization { accessRequests { edges { node { id state } } } } }`,
      check: (d, { requestId }) => expect(d.organization.accessRequests.edges).toEqual([{ node: { id: requestId, state: 'REQUESTED' } }]),
    },
    {
      read: 'organization { ndaAcceptances }',
      action: 'access.read',
      allowed: READERS,
      query: `{ organization { ndaAcceptances { signerEmail source } } }`,
      check: (d, { customer }) => expect(d.organization.ndaAcceptances).toEqual([{ signerEmail: customer.owner.email, source: 'CLICKWRAP' }]),
    },
    {
      read: 'organization { mailDeliveries }',
      action: 'mail.read',
      allowed: ADMINS,
      query: `{ organization { mailDeliveries(first: 100) { edges { node { kind status } } } } }`,
      check: (d) => expect(d.organization.mailDeliveries.edges.map((e: any) => e.node.kind)).toEqual(expect.arrayContaining(['access.requested', 'nda.receipt'])),
    },
    {
      read: 'organization { analytics }',
      action: 'analytics.read',
      allowed: READERS,
      query: `{ organization { analytics { pendingRequests totalDownloads } } }`,
      check: (d) => expect(d.organization.analytics).toEqual({ pendingRequests: 1, totalDownloads: 0 }),
    },
  ];
  const READ_TABLE = READS.flatMap((c) => ROLES.map((role) => {
    const allow = c.allowed.includes(role);
    return { ...c, role, allow, expected: allow ? 'allowed' : 'FORBIDDEN' };
  }));

  test.each(READ_TABLE)('$read ($action) as $role is $expected', async ({ query, role, allow, check }) => {
    const { org, customer, requestId } = await busyVendor();
    const user = await memberWithRole(org, role);
    const r = await as(user, { query }, org.slug);
    if (allow) {
      check(expectNoErrors(r), { customer, requestId });
    } else {
      expect(r.data).toBeNull();
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    }
  });

  test.each(ROLES)('%s of a customer org can read organization { outgoingAccessRequests } (customer.request)', async (role) => {
    const vendor = await vendorWithRestrictedDocument();
    const customer = await createOrg(app, { prefix: 'cust' });
    const user = await memberWithRole(customer, role);
    const req = await requestAccess(app, customer, user, vendor.slug);
    expect(req.errors).toEqual([]);
    const r = await as(user, { query: `{ organization { outgoingAccessRequests { edges { node { id vendor { slug } } } } } }` }, customer.slug);
    expect(expectNoErrors(r).organization.outgoingAccessRequests.edges).toEqual([{ node: { id: req.accessRequest.id, vendor: { slug: vendor.slug } } }]);
  });
});

describe('anonymous callers', () => {
  /** requestDocumentDownload has no sign-in gate: anonymous visitors download PUBLIC documents (tested below). */
  const SIGNED_IN_ONLY = MUTATIONS.filter((c) => c.mutation !== 'requestDocumentDownload');

  test.each(SIGNED_IN_ONLY)('$mutation answers UNAUTHENTICATED and changes nothing', async ({ prepare, publishedTrustCenter }) => {
    const org = await createOrg(app, { publish: publishedTrustCenter });
    const op = await prepare(org, newUser(app, "nobody"));
    const before = await snapshots(org.id, op);
    const r = await as(null, op, org.slug);
    expect(r.data).toBeNull();
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(await snapshots(org.id, op)).toEqual(before);
  });

  const DOWNLOAD = `mutation($d: ID!) { requestDocumentDownload(documentId: $d) { download { watermarked fileName } errors { code } } }`;

  test('requestDocumentDownload of a PUBLIC document of a published trust center works anonymously (and is recorded as anonymous)', async () => {
    const vendor = await createOrg(app, { publish: true });
    const doc = await createDocumentWithFile(app, vendor, { title: 'Security whitepaper', kind: 'POLICY' });
    const r = await as(null, { query: DOWNLOAD, variables: { d: doc.id } });
    expect(expectNoErrors(r).requestDocumentDownload).toEqual({ download: { watermarked: false, fileName: 'report.pdf' }, errors: [] });
    const events = await app.owner.query(`SELECT customer_org_id, user_id, watermarked FROM download_events WHERE org_id = $1`, [vendor.id]);
    expect(events.rows).toEqual([{ customer_org_id: null, user_id: null, watermarked: false }]);
  });

  test.each(['RESTRICTED', 'PRIVATE'])('requestDocumentDownload of a %s document answers NOT_FOUND anonymously and records nothing', async (visibility) => {
    const vendor = await createOrg(app, { publish: true });
    const doc = await createDocumentWithFile(app, vendor, { title: 'Pen test summary', kind: 'PEN_TEST', visibility });
    const before = await snapshot(vendor.id);
    const r = await as(null, { query: DOWNLOAD, variables: { d: doc.id } });
    expect(r.data).toBeNull();
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(await snapshot(vendor.id)).toEqual(before);
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
