import type { GraphQLField } from 'graphql';
import { buildAppSchema } from '../../src/graphql/schema';
import { startTestApp, type GqlResponse, type TestApp } from '../support/harness';
import { addMember, createAttestation, createOrg, expectNoErrors, newUser, soc2TypeII, ISO27001_CERTIFICATE, type TestOrg, type TestUser } from '../support/factories';
import { createDocument, createDocumentWithFile, decide, draftNdaTemplate, pdfBytes, publishNda, putToTicket, requestAccess, startUpload, verifyAudit } from '../support/documents';

/**
 * Issue 14, item 5: every mutation that changes an organization's state writes an audit event, in the same transaction,
 * to the chain of the organization whose state changed (the acting organization for a buyer's own settings).
 *
 * The mutation list comes from the schema (buildAppSchema), so a new mutation fails this file until it is decided: a
 * scripted valid call with the event(s) it must append, or EXEMPT with the reason it changes no organization's
 * administrative state. Each scripted call must succeed (no top-level or payload errors) and append exactly the
 * expected actions, naming the caller, to the named organization's chain and nothing to any other organization of the
 * fixture; every chain still verifies at the end.
 */

/** The server's day: the fixture's SOC 2 report (period 2025) is current and its bridge letter dates are in the past. */
const NOW = new Date('2026-06-01T12:00:00Z');

let app: TestApp;
let mutations: string[] = [];

/** What the scripted calls act on: made once, by GraphQL, before any of them runs. */
interface Fixture {
  /** The vendor most calls act for (published, with reports, documents, NDA, keys, hooks, members...). */
  vendor: TestOrg;
  /** A published vendor to unpublish, and a draft one to publish. */
  published: TestOrg;
  draft: TestOrg;
  /** Another published vendor the customer follows (its subscription is the one to remove). */
  other: TestOrg;
  /** The buyer: watches the vendor (and off-platform vendors), requests access, accepts the NDA. */
  customer: TestOrg;
  /** Customers with a pending and an approved request at the vendor, and one with an NDA signed on paper. */
  pendingCustomer: TestOrg;
  approvedCustomer: TestOrg;
  ids: Record<string, string>;
  nda: { version: number };
  invitee: TestUser;
  invitationToken: string;
  leaver: TestUser;
  newcomer: TestUser;
}
let f: Fixture;

/** Who calls: a user's token and the organization it acts for (X-Org). */
interface Caller {
  user: TestUser;
  org?: TestOrg;
}

interface Scripted {
  query: string;
  variables?: (f: Fixture) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Default: the vendor's owner acting for the vendor. */
  as?: (f: Fixture) => Caller;
  /** The organization whose chain gains the events (an id; `data` is the response, for an organization it creates). */
  chain: (f: Fixture, data: Record<string, any>) => string;
  actions: string[];
  /** Further checks of the appended events' details (what changed; never a secret). */
  details?: (details: Record<string, any>[], data: Record<string, any>) => void;
}

interface Exempt {
  exempt: string;
}

const vendorChain = (x: Fixture): string => x.vendor.id;
const customerChain = (x: Fixture): string => x.customer.id;
const asCustomer = (x: Fixture): Caller => ({ user: x.customer.owner, org: x.customer });
const ERR = 'errors { code message }';

/**
 * Every mutation of the schema, in the order the scripted ones run (the fixture makes what each acts on, so they do not
 * depend on each other, except that acceptNda accepts the NDA version current before publishNdaTemplate publishes a
 * newer one, and transferOwnership, which demotes the vendor's owner, comes last).
 */
const TABLE: Record<string, Scripted | Exempt> = {
  // ---- organization and trust center -----------------------------------------------------------------------------
  createOrganization: {
    query: `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id slug } ${ERR} } }`,
    variables: () => ({ i: { slug: `audited-${Date.now().toString(36)}`, name: 'Audited Co', emailDomains: ['audited.example'] } }),
    as: (x) => ({ user: x.newcomer }),
    chain: (_x, data) => data.createOrganization.organization.id,
    actions: ['organization.created'],
    details: ([d]) => expect(d).toMatchObject({ name: 'Audited Co', emailDomains: ['audited.example'] }),
  },
  updateTrustCenter: {
    query: `mutation($i: UpdateTrustCenterInput!) { updateTrustCenter(input: $i) { trustCenter { id } ${ERR} } }`,
    variables: () => ({ i: { headline: 'Security, audited', maxAgeMonths: 18, description: 'A long description. '.repeat(10) } }),
    chain: vendorChain,
    actions: ['trust_center.updated'],
    details: ([d]) => {
      expect(d.changed.sort()).toEqual(['description', 'headline', 'maxAgeMonths']);
      expect(d.changes.maxAgeMonths).toEqual({ from: 12, to: 18 });
      expect(d.changes.headline.to).toBe('Security, audited');
      // A long text is named, not copied.
      expect(d.changes.description).toBeUndefined();
    },
  },
  publishTrustCenter: {
    query: `mutation { publishTrustCenter { trustCenter { id } ${ERR} } }`,
    as: (x) => ({ user: x.draft.owner, org: x.draft }),
    chain: (x) => x.draft.id,
    actions: ['trust_center.published'],
  },
  unpublishTrustCenter: {
    query: `mutation { unpublishTrustCenter { trustCenter { id } ${ERR} } }`,
    as: (x) => ({ user: x.published.owner, org: x.published }),
    chain: (x) => x.published.id,
    actions: ['trust_center.unpublished'],
  },
  updateAccessPolicy: {
    query: `mutation($i: UpdateAccessPolicyInput!) { updateAccessPolicy(input: $i) { accessPolicy { defaultGrantDays } ${ERR} } }`,
    variables: () => ({ i: { defaultGrantDays: 30 } }),
    chain: vendorChain,
    actions: ['access.policy_updated'],
  },

  // ---- attestations -----------------------------------------------------------------------------------------------
  createAttestation: {
    query: `mutation($i: CreateAttestationInput!) { createAttestation(input: $i) { attestation { id } ${ERR} } }`,
    variables: () => ({ i: soc2TypeII(2023, { title: 'SOC 2 Type II 2023' }) }),
    chain: vendorChain,
    actions: ['attestation.created'],
    details: ([d]) => expect(d).toMatchObject({ framework: 'SOC2', socType: 'TYPE_II', title: 'SOC 2 Type II 2023', reportDate: '2023-12-31' }),
  },
  updateAttestation: {
    query: `mutation($i: UpdateAttestationInput!) { updateAttestation(input: $i) { attestation { id } ${ERR} } }`,
    variables: (x) => ({ i: { id: x.ids.draftReport, title: 'Renamed draft', auditor: 'Other Audit LLP', trustServiceCriteria: ['SECURITY'] } }),
    chain: vendorChain,
    actions: ['attestation.updated'],
    details: ([d]) => {
      expect(d.status).toBe('DRAFT');
      expect(d.changed.sort()).toEqual(['auditor', 'title', 'trustServiceCriteria']);
      expect(d.changes.auditor).toEqual({ from: 'Audit LLP', to: 'Other Audit LLP' });
      expect(d.changes.trustServiceCriteria).toBeUndefined();
    },
  },
  publishAttestation: {
    query: `mutation($id: ID!) { publishAttestation(id: $id) { attestation { id } ${ERR} } }`,
    variables: (x) => ({ id: x.ids.olderDraft }),
    chain: vendorChain,
    actions: ['attestation.published'],
  },
  withdrawAttestation: {
    query: `mutation($i: WithdrawAttestationInput!) { withdrawAttestation(input: $i) { attestation { id } ${ERR} } }`,
    variables: (x) => ({ i: { id: x.ids.certificate, reason: 'Certificate suspended' } }),
    chain: vendorChain,
    actions: ['attestation.withdrawn'],
  },
  addBridgeLetter: {
    query: `mutation($i: AddBridgeLetterInput!) { addBridgeLetter(input: $i) { bridgeLetter { id } ${ERR} } }`,
    variables: (x) => ({ i: { attestationId: x.ids.report, coversFrom: '2026-01-01', coversThrough: '2026-03-31', issuedOn: '2026-04-05', signedByName: 'Dana Reyes', signedByTitle: 'CISO' } }),
    chain: vendorChain,
    actions: ['bridge_letter.added'],
    details: ([d], data) => expect(d).toMatchObject({ bridgeLetterId: data.addBridgeLetter.bridgeLetter.id, coversFrom: '2026-01-01', coversThrough: '2026-03-31', signedByName: 'Dana Reyes' }),
  },
  setExceptionResponse: {
    query: `mutation($i: SetExceptionResponseInput!) { setExceptionResponse(input: $i) { exception { id } ${ERR} } }`,
    variables: (x) => ({ i: { attestationId: x.ids.report, exceptionId: x.ids.exception, managementResponse: 'We agree.', status: 'IN_PROGRESS' } }),
    chain: vendorChain,
    actions: ['attestation.exception_response_set'],
  },
  createAttestationInProgress: {
    query: `mutation($i: CreateAttestationInProgressInput!) { createAttestationInProgress(input: $i) { attestationInProgress { id } ${ERR} } }`,
    variables: () => ({ i: { framework: 'ISO27701', expectedReportDate: '2099-01-31' } }),
    chain: vendorChain,
    actions: ['attestation_in_progress.created'],
  },
  updateAttestationInProgress: {
    query: `mutation($id: ID!, $i: AttestationInProgressFieldsInput!) { updateAttestationInProgress(id: $id, input: $i) { attestationInProgress { id } ${ERR} } }`,
    variables: (x) => ({ id: x.ids.isoInProgress, i: { auditor: 'Cert Body Ltd' } }),
    chain: vendorChain,
    actions: ['attestation_in_progress.updated'],
  },
  cancelAttestationInProgress: {
    query: `mutation($id: ID!) { cancelAttestationInProgress(id: $id) { attestationInProgress { id } ${ERR} } }`,
    variables: (x) => ({ id: x.ids.soc1InProgress }),
    chain: vendorChain,
    actions: ['attestation_in_progress.cancelled'],
  },
  completeAttestationInProgress: {
    query: `mutation($id: ID!, $a: ID!) { completeAttestationInProgress(id: $id, attestationId: $a) { attestationInProgress { id } ${ERR} } }`,
    variables: (x) => ({ id: x.ids.soc2InProgress, a: x.ids.report }),
    chain: vendorChain,
    actions: ['attestation_in_progress.completed'],
  },

  // ---- documents --------------------------------------------------------------------------------------------------
  createDocument: {
    query: `mutation($i: CreateDocumentInput!) { createDocument(input: $i) { document { id } ${ERR} } }`,
    variables: () => ({ i: { title: 'Insurance certificate', kind: 'INSURANCE' } }),
    chain: vendorChain,
    actions: ['document.created'],
  },
  updateDocument: {
    query: `mutation($i: UpdateDocumentInput!) { updateDocument(input: $i) { document { id } ${ERR} } }`,
    variables: (x) => ({ i: { id: x.ids.pendingDocument, title: 'Penetration test 2026' } }),
    chain: vendorChain,
    actions: ['document.updated'],
  },
  createDocumentUpload: {
    query: `mutation($i: CreateDocumentUploadInput!) { createDocumentUpload(input: $i) { version { id } ${ERR} } }`,
    variables: (x) => ({ i: { documentId: x.ids.pendingDocument, fileName: 'pentest.pdf', contentType: 'application/pdf', sizeBytes: 1234, sha256: 'a'.repeat(64) } }),
    chain: vendorChain,
    actions: ['document.upload_started'],
    details: ([d], data) => expect(d).toMatchObject({ versionId: data.createDocumentUpload.version.id, fileName: 'pentest.pdf', sizeBytes: 1234, sha256: 'a'.repeat(64) }),
  },
  completeDocumentUpload: {
    query: `mutation($v: ID!) { completeDocumentUpload(versionId: $v) { document { id } ${ERR} } }`,
    variables: (x) => ({ v: x.ids.uploadedVersion }),
    chain: vendorChain,
    actions: ['document.version_available'],
  },
  requestDocumentDownload: {
    query: `mutation($d: ID!) { requestDocumentDownload(documentId: $d) { download { url } ${ERR} } }`,
    variables: (x) => ({ d: x.ids.document }),
    chain: vendorChain,
    actions: ['document.downloaded'],
  },

  // ---- NDA and access ---------------------------------------------------------------------------------------------
  createNdaTemplate: {
    query: `mutation($i: CreateNdaTemplateInput!) { createNdaTemplate(input: $i) { ndaTemplate { id } ${ERR} } }`,
    variables: () => ({ i: { title: 'Mutual NDA', body: 'These are the terms of the audited NDA, long enough to count.' } }),
    chain: vendorChain,
    actions: ['nda.created'],
    details: ([d]) => {
      expect(d).toMatchObject({ title: 'Mutual NDA', status: 'DRAFT' });
      expect(JSON.stringify(d)).not.toContain('terms of the audited NDA');
    },
  },
  acceptNda: {
    query: `mutation($i: AcceptNdaInput!) { acceptNda(input: $i) { acceptance { id } ${ERR} } }`,
    variables: (x) => ({ i: { trustCenterSlug: x.vendor.slug, version: x.nda.version, signerName: 'Pat Buyer', signerTitle: 'Procurement' } }),
    as: asCustomer,
    chain: vendorChain,
    actions: ['nda.accepted'],
  },
  publishNdaTemplate: {
    query: `mutation($id: ID!) { publishNdaTemplate(id: $id) { ndaTemplate { id } ${ERR} } }`,
    variables: (x) => ({ id: x.ids.ndaDraft }),
    chain: vendorChain,
    actions: ['nda.published'],
  },
  recordNdaOnFile: {
    query: `mutation($i: RecordNdaOnFileInput!) { recordNdaOnFile(input: $i) { acceptance { id } ${ERR} } }`,
    variables: (x) => ({ i: { customerSlug: x.approvedCustomer.slug, signerName: 'Lee Paper', note: 'Signed in 2024' } }),
    chain: vendorChain,
    actions: ['nda.recorded_on_file'],
  },
  requestAccess: {
    query: `mutation($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { id state } ${ERR} } }`,
    variables: (x) => ({ i: { trustCenterSlug: x.vendor.slug, reason: 'Vendor review' } }),
    as: asCustomer,
    chain: vendorChain,
    actions: ['access.requested'],
  },
  decideAccessRequest: {
    query: `mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { accessRequest { id } ${ERR} } }`,
    variables: (x) => ({ i: { id: x.ids.pendingRequest, approve: true } }),
    chain: vendorChain,
    actions: ['access.approved'],
  },
  revokeAccess: {
    query: `mutation($i: RevokeAccessInput!) { revokeAccess(input: $i) { accessRequest { id } ${ERR} } }`,
    variables: (x) => ({ i: { requestId: x.ids.approvedRequest, reason: 'Contract ended' } }),
    chain: vendorChain,
    actions: ['access.revoked'],
  },

  // ---- subprocessors and webhooks ---------------------------------------------------------------------------------
  createSubprocessor: {
    query: `mutation($i: SubprocessorInput!) { createSubprocessor(input: $i) { subprocessor { id } ${ERR} } }`,
    variables: () => ({ i: { name: 'Postmark', purpose: 'Transactional mail', location: 'US', websiteUrl: 'https://postmarkapp.com' } }),
    chain: vendorChain,
    actions: ['subprocessor.added'],
    details: ([d]) => expect(d).toMatchObject({ name: 'Postmark', purpose: 'Transactional mail', location: 'US' }),
  },
  addSubprocessor: {
    query: `mutation($i: SubprocessorInput!) { addSubprocessor(input: $i) { id } }`,
    variables: () => ({ i: { name: 'Datadog', purpose: 'Monitoring', location: 'EU' } }),
    chain: vendorChain,
    actions: ['subprocessor.added'],
  },
  removeSubprocessor: {
    query: `mutation($id: ID!) { removeSubprocessor(id: $id) }`,
    variables: (x) => ({ id: x.ids.subprocessor }),
    chain: vendorChain,
    actions: ['subprocessor.removed'],
    details: ([d]) => expect(d).toMatchObject({ name: 'AWS' }),
  },
  createWebhookEndpoint: {
    query: `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } secret ${ERR} } }`,
    variables: () => ({ i: { url: 'https://hooks.example.com/services/T000/B000/capability-token', eventTypes: ['attestation.published'], description: 'SIEM' } }),
    chain: vendorChain,
    actions: ['webhook_endpoint.created'],
    details: ([d], data) => {
      expect(d).toMatchObject({ origin: 'https://hooks.example.com', eventTypes: ['attestation.published'], description: 'SIEM' });
      // Neither the signing secret nor the URL's path (often the receiver's credential) is written to the log.
      expect(JSON.stringify(d)).not.toContain(data.createWebhookEndpoint.secret);
      expect(JSON.stringify(d)).not.toContain('capability-token');
    },
  },
  setWebhookEndpointEnabled: {
    query: `mutation($id: ID!) { setWebhookEndpointEnabled(id: $id, enabled: false) { id enabled } }`,
    variables: (x) => ({ id: x.ids.hook }),
    chain: vendorChain,
    actions: ['webhook_endpoint.disabled'],
    details: ([d]) => expect(d).toMatchObject({ wasEnabled: true }),
  },
  deleteWebhookEndpoint: {
    query: `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`,
    variables: (x) => ({ id: x.ids.hookToDelete }),
    chain: vendorChain,
    actions: ['webhook_endpoint.deleted'],
  },
  testWebhookEndpoint: { exempt: 'queues one signed webhook.test delivery, which the endpoint\'s delivery log records; no setting changes' },

  // ---- API keys ---------------------------------------------------------------------------------------------------
  createApiKey: {
    query: `mutation { createApiKey(input: { name: "audited", scopes: [READ] }) { apiKey { id } secret ${ERR} } }`,
    chain: vendorChain,
    actions: ['api_key.created'],
    details: ([d], data) => expect(JSON.stringify(d)).not.toContain(data.createApiKey.secret),
  },
  rotateApiKey: {
    query: `mutation($id: ID!) { rotateApiKey(id: $id) { apiKey { id } secret ${ERR} } }`,
    variables: (x) => ({ id: x.ids.keyToRotate }),
    chain: vendorChain,
    actions: ['api_key.rotated'],
    details: ([d], data) => expect(JSON.stringify(d)).not.toContain(data.rotateApiKey.secret),
  },
  revokeApiKey: {
    query: `mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id } ${ERR} } }`,
    variables: (x) => ({ id: x.ids.keyToRevoke }),
    chain: vendorChain,
    actions: ['api_key.revoked'],
  },

  // ---- the buyer's own settings: its own chain ---------------------------------------------------------------------
  watchVendor: {
    query: `mutation($i: WatchVendorInput!) { watchVendor(input: $i) { vendor { id } ${ERR} } }`,
    variables: () => ({ i: { name: 'Paper Vendor Ltd', domain: 'paper-vendor.example' } }),
    as: asCustomer,
    chain: customerChain,
    actions: ['vendor_watch.added'],
    details: ([d]) => expect(d).toMatchObject({ vendor: 'Paper Vendor Ltd', domain: 'paper-vendor.example', source: 'RECORDED' }),
  },
  unwatchVendor: {
    query: `mutation($w: ID!) { unwatchVendor(watchId: $w) { watchId ${ERR} } }`,
    variables: (x) => ({ w: x.ids.watchToRemove }),
    as: asCustomer,
    chain: customerChain,
    actions: ['vendor_watch.removed'],
  },
  recordVendorAttestation: {
    query: `mutation($i: RecordVendorAttestationInput!) { recordVendorAttestation(input: $i) { attestationId ${ERR} } }`,
    variables: (x) => ({ i: { watchId: x.ids.offPlatformWatch, ...soc2TypeII(2025), title: undefined, exceptionCount: 1 } }),
    as: asCustomer,
    chain: customerChain,
    actions: ['vendor_attestation.recorded'],
    details: ([d]) => expect(d).toMatchObject({ framework: 'SOC2', reportDate: '2025-12-31', exceptionCount: 1, source: 'RECORDED' }),
  },
  setRequirementPolicy: {
    query: `mutation($i: SetRequirementPolicyInput!) { setRequirementPolicy(input: $i) { policy { maxAgeMonths } ${ERR} } }`,
    variables: () => ({ i: { maxAgeMonths: 18, acceptTypeIInProgressDays: 90 } }),
    as: asCustomer,
    chain: customerChain,
    actions: ['requirement_policy.set'],
    details: ([d]) => {
      expect(d).toMatchObject({ policy: 'DEFAULT', first: true, changes: { maxAgeMonths: { from: 12, to: 18 }, acceptTypeIInProgressDays: { from: null, to: 90 } } });
      expect(d.changed.sort()).toEqual(['acceptTypeIInProgressDays', 'maxAgeMonths']);
    },
  },
  clearRequirementPolicyOverride: {
    query: `mutation($w: ID!) { clearRequirementPolicyOverride(watchId: $w) { policy { maxAgeMonths } ${ERR} } }`,
    variables: (x) => ({ w: x.ids.offPlatformWatch }),
    as: asCustomer,
    chain: customerChain,
    actions: ['requirement_policy.override_cleared'],
    details: ([d]) => expect(d).toMatchObject({ hadOverride: true }),
  },
  subscribeToVendor: {
    query: `mutation($i: SubscribeToVendorInput!) { subscribeToVendor(input: $i) { subscription { id } ${ERR} } }`,
    variables: (x) => ({ i: { trustCenterSlug: x.vendor.slug, eventTypes: ['attestation.published'] } }),
    as: asCustomer,
    chain: customerChain,
    actions: ['vendor_subscription.set'],
    details: ([d]) => expect(d).toMatchObject({ eventTypes: ['attestation.published'], previousEventTypes: null }),
  },
  unsubscribeFromVendor: {
    query: `mutation($id: ID!) { unsubscribeFromVendor(id: $id) }`,
    variables: (x) => ({ id: x.ids.subscription }),
    as: asCustomer,
    chain: customerChain,
    actions: ['vendor_subscription.removed'],
  },
  reviewVendorReport: {
    query: `mutation($i: ReviewVendorReportInput!) { reviewVendorReport(input: $i) { review { id } ${ERR} } }`,
    variables: async (x) => {
      type Entry = { vendor: { id: string }; basedOn: { attestationId: string } | null };
      const statuses = expectNoErrors(await app.gql(`{ vendorStatuses(first: 100) { edges { node { vendor { id } basedOn { attestationId } } } } }`, { token: x.customer.owner.token, org: x.customer.slug }));
      const entry = statuses.vendorStatuses.edges.map((e: { node: Entry }) => e.node).find((n: Entry) => n.vendor.id === x.ids.vendorWatch);
      if (!entry?.basedOn) throw new Error(`the watched vendor has no report to review: ${JSON.stringify(entry)}`);
      return { i: { watchId: x.ids.vendorWatch, attestationId: entry.basedOn.attestationId, decision: 'ACCEPTED' } };
    },
    as: asCustomer,
    chain: customerChain,
    actions: ['vendor_review.recorded'],
  },
  markNotificationsRead: { exempt: 'sets read marks on the organization\'s in-app feed: no setting, document, grant or membership changes' },
  updateMailPreferences: { exempt: 'changes how alert mail reaches the calling user only (their own mail settings), nothing of the organization' },

  // ---- members (transferOwnership demotes the vendor's owner: last) ------------------------------------------------
  inviteMember: {
    query: `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { invitation { id } ${ERR} } }`,
    variables: () => ({ i: { email: `invited-${Date.now().toString(36)}@example.test`, role: 'VIEWER' } }),
    chain: vendorChain,
    actions: ['member.invited'],
  },
  resendInvitation: {
    query: `mutation($id: ID!) { resendInvitation(id: $id) { invitation { id } ${ERR} } }`,
    variables: (x) => ({ id: x.ids.invitationToResend }),
    chain: vendorChain,
    actions: ['member.invitation_resent'],
  },
  revokeInvitation: {
    query: `mutation($id: ID!) { revokeInvitation(id: $id) { invitation { id } ${ERR} } }`,
    variables: (x) => ({ id: x.ids.invitationToRevoke }),
    chain: vendorChain,
    actions: ['member.invitation_revoked'],
  },
  acceptInvitation: {
    query: `mutation($t: String!) { acceptInvitation(token: $t) { role ${ERR} } }`,
    variables: (x) => ({ t: x.invitationToken }),
    as: (x) => ({ user: x.invitee }),
    chain: vendorChain,
    actions: ['member.joined'],
  },
  changeMemberRole: {
    query: `mutation($u: ID!) { changeMemberRole(userId: $u, role: EDITOR) { ${ERR} } }`,
    variables: (x) => ({ u: x.ids.viewerMember }),
    chain: vendorChain,
    actions: ['member.role_changed'],
  },
  removeMember: {
    query: `mutation($u: ID!) { removeMember(userId: $u) { removedUserId ${ERR} } }`,
    variables: (x) => ({ u: x.ids.memberToRemove }),
    chain: vendorChain,
    actions: ['member.removed'],
  },
  leaveOrganization: {
    query: `mutation { leaveOrganization { removedUserId ${ERR} } }`,
    as: (x) => ({ user: x.leaver, org: x.vendor }),
    chain: vendorChain,
    actions: ['member.left'],
  },
  transferOwnership: {
    query: `mutation($u: ID!) { transferOwnership(userId: $u) { ${ERR} } }`,
    variables: (x) => ({ u: x.ids.adminMember }),
    chain: vendorChain,
    actions: ['member.ownership_transferred'],
  },
};

const userId = async (user: TestUser): Promise<string> => (await app.owner.query(`SELECT id FROM users WHERE subject = $1`, [`test|${user.email}`])).rows[0].id;

async function buildFixture(): Promise<Fixture> {
  const gql = async (org: TestOrg, query: string, variables: Record<string, unknown> = {}, user: TestUser = org.owner) =>
    expectNoErrors(await app.gql(query, { token: user.token, org: org.slug, variables }));
  const [vendor, published, draft, other, customer, pendingCustomer, approvedCustomer] = await Promise.all([
    createOrg(app, { publish: true, prefix: 'au-vendor' }),
    createOrg(app, { publish: true, prefix: 'au-pub' }),
    createOrg(app, { prefix: 'au-draft' }),
    createOrg(app, { publish: true, prefix: 'au-other' }),
    createOrg(app, { prefix: 'au-cust' }),
    createOrg(app, { prefix: 'au-pending' }),
    createOrg(app, { prefix: 'au-approved' }),
  ]);
  const ids: Record<string, string> = {};

  // Reports: a published SOC 2 with an exception, a certificate, a draft to edit and an older draft to publish.
  ids.report = await createAttestation(app, vendor, soc2TypeII(2025, { exceptions: [{ controlRef: 'CC6.1', description: 'Late deprovisioning', testResult: '1 of 25 samples' }] }), true);
  ids.exception = (await gql(vendor, `query($id: ID!) { attestation(id: $id) { exceptions { id } } }`, { id: ids.report })).attestation.exceptions[0].id;
  ids.certificate = await createAttestation(app, vendor, { ...ISO27001_CERTIFICATE, socType: null, trustServiceCriteria: null, opinion: null, periodStart: null, periodEnd: null }, true);
  ids.draftReport = await createAttestation(app, vendor, soc2TypeII(2022));
  ids.olderDraft = await createAttestation(app, vendor, soc2TypeII(2024));
  const inProgress = async (input: Record<string, unknown>): Promise<string> =>
    (await gql(vendor, `mutation($i: CreateAttestationInProgressInput!) { createAttestationInProgress(input: $i) { attestationInProgress { id } } }`, { i: input })).createAttestationInProgress.attestationInProgress.id;
  ids.soc2InProgress = await inProgress({ framework: 'SOC2', socType: 'TYPE_II', observationStart: '2026-03-01', expectedReportDate: '2099-05-15' });
  ids.soc1InProgress = await inProgress({ framework: 'SOC1', socType: 'TYPE_I', expectedReportDate: '2099-05-15' });
  ids.isoInProgress = await inProgress({ framework: 'ISO27001', expectedReportDate: '2099-01-31' });

  // Documents: one with a file (to download), one whose next version is uploaded but not completed.
  ids.document = (await createDocumentWithFile(app, vendor, { title: 'SOC 2 report', attestationId: ids.report })).id;
  ids.pendingDocument = await createDocument(app, vendor, { title: 'Pen test', kind: 'PEN_TEST' });
  const bytes = await pdfBytes('Pen test');
  const ticket = await startUpload(app, vendor, ids.pendingDocument, { bytes });
  expect((await putToTicket(ticket, bytes)).ok).toBe(true);
  ids.uploadedVersion = ticket.versionId;

  // NDA: version 1 published (the customer accepts it), version 2 drafted (to publish).
  const nda = await publishNda(app, vendor);
  ids.ndaDraft = await draftNdaTemplate(app, vendor);

  // Incoming requests: one pending, one approved.
  ids.pendingRequest = (await requestAccess(app, pendingCustomer, pendingCustomer.owner, vendor.slug)).accessRequest.id;
  ids.approvedRequest = (await requestAccess(app, approvedCustomer, approvedCustomer.owner, vendor.slug)).accessRequest.id;
  expect((await decide(app, vendor, ids.approvedRequest)).errors).toEqual([]);

  // Keys, hooks, a subprocessor.
  const key = async (name: string): Promise<string> => (await gql(vendor, `mutation($n: String!) { createApiKey(input: { name: $n, scopes: [READ] }) { apiKey { id } } }`, { n: name })).createApiKey.apiKey.id;
  ids.keyToRotate = await key('rotate me');
  ids.keyToRevoke = await key('revoke me');
  const hook = async (n: number): Promise<string> => (await gql(vendor, `mutation($u: String!) { createWebhookEndpoint(input: { url: $u }) { endpoint { id } } }`, { u: `https://example.com/hook/${n}` })).createWebhookEndpoint.endpoint.id;
  ids.hook = await hook(1);
  ids.hookToDelete = await hook(2);
  ids.subprocessor = (await gql(vendor, `mutation { createSubprocessor(input: { name: "AWS", purpose: "Hosting", location: "US" }) { subprocessor { id } } }`)).createSubprocessor.subprocessor.id;

  // Members: invitations to resend, revoke and accept; members to promote, remove, leave and take ownership.
  const invite = async (email: string): Promise<{ id: string; token: string }> => {
    const p = (await gql(vendor, `mutation($e: String!) { inviteMember(input: { email: $e, role: VIEWER }) { invitation { id } token } }`, { e: email })).inviteMember;
    return { id: p.invitation.id, token: p.token };
  };
  ids.invitationToResend = (await invite(`resend-${Date.now().toString(36)}@example.test`)).id;
  ids.invitationToRevoke = (await invite(`revoke-${Date.now().toString(36)}@example.test`)).id;
  const invitee = newUser(app, 'invitee');
  const invitationToken = (await invite(invitee.email)).token;
  ids.viewerMember = await userId(await addMember(app, vendor, 'VIEWER'));
  ids.memberToRemove = await userId(await addMember(app, vendor, 'EDITOR'));
  ids.adminMember = await userId(await addMember(app, vendor, 'ADMIN'));
  const leaver = await addMember(app, vendor, 'EDITOR');

  // The buyer: watches the vendor and two off-platform vendors (one with a policy override), follows another vendor.
  const watch = async (input: Record<string, unknown>): Promise<string> => (await gql(customer, `mutation($i: WatchVendorInput!) { watchVendor(input: $i) { vendor { id } } }`, { i: input })).watchVendor.vendor.id;
  ids.vendorWatch = await watch({ trustCenterSlug: vendor.slug });
  ids.offPlatformWatch = await watch({ name: 'Offline Corp', domain: 'offline.example' });
  ids.watchToRemove = await watch({ name: 'Gone Corp' });
  expect((await gql(customer, `mutation($w: ID!) { setRequirementPolicy(input: { watchId: $w, maxAgeMonths: 24 }) { errors { code } } }`, { w: ids.offPlatformWatch })).setRequirementPolicy.errors).toEqual([]);
  ids.subscription = (await gql(customer, `mutation($s: String!) { subscribeToVendor(input: { trustCenterSlug: $s }) { subscription { id } } }`, { s: other.slug })).subscribeToVendor.subscription.id;

  return { vendor, published, draft, other, customer, pendingCustomer, approvedCustomer, ids, nda, invitee, invitationToken, leaver, newcomer: newUser(app, 'newcomer') };
}

beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(NOW) });
  const schema = await buildAppSchema();
  mutations = (Object.values(schema.getMutationType()!.getFields()) as GraphQLField<unknown, unknown>[]).map((m) => m.name);
  f = await buildFixture();
}, 120_000);
afterAll(async () => { await app?.close(); });

/** Each fixture organization's last seq (0 for an empty chain). */
async function lastSeqs(orgIds: string[]): Promise<Map<string, number>> {
  const { rows } = await app.owner.query(`SELECT org_id, max(seq)::int AS seq FROM audit_events WHERE org_id = ANY($1) GROUP BY org_id`, [orgIds]);
  return new Map(orgIds.map((id) => [id, rows.find((r: { org_id: string }) => r.org_id === id)?.seq ?? 0]));
}

interface StoredEvent { org_id: string; seq: number; action: string; actor_email: string | null; details: Record<string, any> }

async function eventsAfter(seqs: Map<string, number>, extraOrg: string | null): Promise<StoredEvent[]> {
  const orgIds = [...seqs.keys(), ...(extraOrg && !seqs.has(extraOrg) ? [extraOrg] : [])];
  const { rows } = await app.owner.query(
    `SELECT e.org_id, e.seq::int AS seq, e.action, e.actor_email, e.details FROM audit_events e
      WHERE e.org_id = ANY($1) AND e.seq > COALESCE(($2::jsonb ->> e.org_id::text)::bigint, 0) ORDER BY e.org_id, e.seq`,
    [orgIds, JSON.stringify(Object.fromEntries(seqs))],
  );
  return rows;
}

const fixtureOrgs = (x: Fixture): TestOrg[] => [x.vendor, x.published, x.draft, x.other, x.customer, x.pendingCustomer, x.approvedCustomer];

test('every mutation in the schema is either scripted here with the audit event it writes, or exempt with a reason', () => {
  expect(mutations.length).toBeGreaterThan(40);
  const undecided = mutations.filter((name) => !(name in TABLE));
  expect({ undecided }).toEqual({ undecided: [] });
  const unknown = Object.keys(TABLE).filter((name) => !mutations.includes(name));
  expect({ unknown }).toEqual({ unknown: [] });
  for (const [name, entry] of Object.entries(TABLE)) {
    if ('exempt' in entry) expect([name, entry.exempt.length > 20]).toEqual([name, true]);
    else expect([name, entry.actions.length > 0]).toEqual([name, true]);
  }
});

test('each scripted mutation succeeds and appends exactly its event(s), naming the caller, to the right chain only; every chain still verifies', async () => {
  const failures: string[] = [];
  const orgIds = fixtureOrgs(f).map((o) => o.id);
  for (const [name, entry] of Object.entries(TABLE)) {
    if ('exempt' in entry) continue;
    const caller = entry.as?.(f) ?? { user: f.vendor.owner, org: f.vendor };
    const variables = (await entry.variables?.(f)) ?? {};
    const before = await lastSeqs(orgIds);
    const r: GqlResponse = await app.gql(entry.query, { token: caller.user.token, org: caller.org?.slug, variables });
    const payload = r.data?.[name];
    const payloadErrors = payload && typeof payload === 'object' && Array.isArray(payload.errors) ? payload.errors : [];
    if (r.errors?.length || !r.data || payloadErrors.length) {
      failures.push(`${name}: the call failed: ${JSON.stringify(r.errors ?? payloadErrors)}`);
      continue;
    }
    const chain = entry.chain(f, r.data);
    const appended = await eventsAfter(before, chain);
    const inChain = appended.filter((e) => e.org_id === chain);
    const elsewhere = appended.filter((e) => e.org_id !== chain);
    if (JSON.stringify(inChain.map((e) => e.action)) !== JSON.stringify(entry.actions)) {
      failures.push(`${name}: expected ${JSON.stringify(entry.actions)} in its chain, got ${JSON.stringify(inChain.map((e) => e.action))}`);
    }
    if (elsewhere.length > 0) failures.push(`${name}: also wrote to other organizations' chains: ${JSON.stringify(elsewhere.map((e) => e.action))}`);
    const wrongActor = inChain.filter((e) => e.actor_email !== caller.user.email);
    if (wrongActor.length > 0) failures.push(`${name}: the event names ${wrongActor[0]!.actor_email}, not the caller ${caller.user.email}`);
    if (entry.details && inChain.length === entry.actions.length) {
      try {
        entry.details(inChain.map((e) => e.details), r.data);
      } catch (error) {
        failures.push(`${name}: details: ${(error as Error).message}`);
      }
    }
  }
  expect(failures).toEqual([]);

  const broken: string[] = [];
  for (const org of fixtureOrgs(f)) {
    const v = await verifyAudit(app, org);
    if (!v.valid) broken.push(`${org.slug}: ${JSON.stringify(v)}`);
  }
  expect(broken).toEqual([]);
}, 120_000);
