import {
  getNamedType,
  isInputObjectType,
  isObjectType,
  parse,
  validate,
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type FieldNode,
} from 'graphql';
import { buildAppSchema } from '../../src/graphql/schema';
import { API_KEY_SCOPES, SCOPE_ACTIONS, scopesAllow, type ApiKeyScope } from '../../src/domain/api-keys';
import type { Action } from '../../src/modules/tenancy/tenancy.policy';
import { startTestApp, uniqueSuffix, type GqlResponse, type TestApp } from '../support/harness';
import { addMember, createAttestation, createOrg, expectNoErrors, soc2TypeII, type TestOrg } from '../support/factories';
import {
  createDocumentWithFile,
  draftNdaTemplate,
  pdfBytes,
  publishNda,
  putToTicket,
  requestAccess,
  sha256Hex,
  startUpload,
  tenantRowsSnapshot,
  verifyAudit,
} from '../support/documents';

/**
 * The tenant-isolation matrix (SECURITY.md, open work of issue 7), generated from the schema: every Query and Mutation
 * field that takes an id or a slug (directly or inside an input object) is called with a victim organization's ids
 *   (1) as the OWNER of another organization,
 *   (2) as the OWNER of a customer organization that holds no grant from the victim (its request is still pending),
 *   (3) anonymously,
 *   (4) with an API key of the victim organization whose scopes lack what the operation needs,
 * and must return no data (a NOT_FOUND / FORBIDDEN / UNAUTHENTICATED / ORG_REQUIRED error, or a payload with errors and
 * no object, or nothing), reveal none of the victim's secret strings, and change none of the victim's rows (audit chain
 * included). An operation in neither PROBES nor NO_TARGET fails the first test, so a new operation cannot slip past.
 *
 * Reading the tables:
 * - PROBES[op].calls: what is sent per attacker. Operations open to anyone on a PUBLISHED trust center (trustCenter,
 *   requestAccess, acceptNda, watchVendor, subscribeToVendor) target a second victim whose trust center is DRAFT, or a
 *   hidden object; `mayReturn` marks the few calls that legitimately answer with data (the public trust center, or a
 *   result about the caller's own org); for those only the secret and no-change checks apply.
 * - PROBES[op].key: the action the operation needs; case (4) uses a victim key whose scope lacks it (keyFor), or an
 *   all-scopes key where no scope grants it (key management, customer signatures, createOrganization). Case (4) is
 *   skipped only where every scope allows the operation (`allScopesMay`, checked against SCOPE_ACTIONS).
 * - "Change nothing": both victims' tenantRowsSnapshot (every table with org_id / customer_org_id / requester_org_id,
 *   audit_events included) and their audit chain heads are equal before and after each call. Only exception:
 *   api_keys.last_used_at of the victim's probe keys (the credential the attacker of case 4 uses is stamped "last used",
 *   at most once a minute). Rate-limit windows are not tenant rows (and rate limits are off under NODE_ENV=test).
 * - KNOWN_GAPS: cases that fail today because of a real gap; they are listed as skipped with the reason.
 */
const TODAY = '2026-06-30';
let app: TestApp;

// ---- Classification, from the schema -----------------------------------------------------------------------------

/** Argument or input-field names that name an existing object (ids) or an organization / trust center (slugs). */
const TARGET_NAME = /^(id|ids|slug|vendorSlug)$|Ids?$|Slugs?$/;

/** The argument paths of `args` that target something: ID-typed (or list of ID), or named like an id or slug, recursively. */
function targetingPaths(args: readonly (GraphQLArgument | GraphQLInputField)[], prefix = '', seen = new Set<string>()): string[] {
  const paths: string[] = [];
  for (const arg of args) {
    const named = getNamedType(arg.type as GraphQLInputType);
    const path = prefix ? `${prefix}.${arg.name}` : arg.name;
    if (named.name === 'ID' || TARGET_NAME.test(arg.name)) paths.push(path);
    if (isInputObjectType(named) && !seen.has(named.name)) {
      paths.push(...targetingPaths(Object.values(named.getFields()), path, new Set([...seen, named.name])));
    }
  }
  return paths;
}

interface Operation {
  name: string;
  root: 'Query' | 'Mutation';
  targets: string[];
}

function operations(schema: GraphQLSchema): Operation[] {
  const ops: Operation[] = [];
  for (const root of ['Query', 'Mutation'] as const) {
    const type = root === 'Query' ? schema.getQueryType() : schema.getMutationType();
    if (!type || !isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) ops.push({ name: field.name, root, targets: targetingPaths(field.args) });
  }
  return ops;
}

// ---- The fixture --------------------------------------------------------------------------------------------------

/** Distinctive strings stored in the victims' objects: none may appear in an attacker's response (see `publicSecrets`). */
type SecretKey =
  | 'publishedAttestationTitle' | 'draftAttestationTitle' | 'exceptionText' | 'bridgeLetterSigner'
  | 'restrictedTitle' | 'privateTitle' | 'privateSha256' | 'restrictedSha256' | 'publicTitle'
  | 'ndaBody' | 'draftNdaBody' | 'subprocessorName'
  | 'legitCustomerName' | 'requestReason' | 'decisionReason' | 'legitSigner'
  | 'watchNotes' | 'offPlatformVendorName' | 'trackedAuditor' | 'reviewNote'
  | 'webhookPath' | 'webhookDescription' | 'apiKeyName' | 'notificationTitle'
  | 'draftOrgName' | 'draftDescription' | 'draftAttestationTitle2' | 'draftDocumentTitle' | 'draftNdaBody2'
  | 'inviteeEmail' | 'memberEmail'
  | 'subserviceName' | 'cuecText' | 'vendorResponseText';

interface Fixture {
  /** PUBLISHED vendor, also a customer of `otherVendor` (watch, override, subscription, notification). */
  victim: TestOrg;
  /** A vendor whose trust center is still DRAFT: the target of operations that are open to anyone on a PUBLISHED one. */
  draftVictim: TestOrg;
  otherVendor: TestOrg;
  publishedAttestationId: string;
  /** The published report's exception, which carries the victim's response (setExceptionResponse). */
  exceptionId: string;
  draftAttestationId: string;
  /** Two SOC 2 Type II attestations in progress of the victim: one to update and cancel, one to complete. */
  inProgressId: string;
  inProgressToCompleteId: string;
  restrictedDocumentId: string;
  privateDocumentId: string;
  pendingVersionId: string;
  draftNdaId: string;
  draftVictimNdaVersion: number;
  approvedRequestId: string;
  pendingRequestId: string;
  watchId: string;
  offPlatformWatchId: string;
  /** The report the victim recorded for its off-platform vendor (its status basis), reviewed with a secret note. */
  trackedAttestationId: string;
  subscriptionId: string;
  webhookEndpointId: string;
  apiKeyId: string;
  subprocessorId: string;
  notificationId: string;
  /** A pending invitation of the victim, and a member (EDITOR) of the victim. */
  invitationId: string;
  memberUserId: string;
  /** Another EDITOR: the target of transferOwnership (the control probe runs it last, after removeMember). */
  successorUserId: string;
  /** The victim's probe keys, by scope set ('ALL' = every scope): the attackers of case (4). */
  keys: Record<ApiKeyScope | 'ALL', { id: string; secret: string }>;
  secrets: Record<SecretKey, string>;
}

type Attacker = 'otherOrgOwner' | 'ungrantedCustomer' | 'anonymous' | 'underScopedKey';
const ATTACKERS: Attacker[] = ['otherOrgOwner', 'ungrantedCustomer', 'anonymous', 'underScopedKey'];

interface Call {
  variables: Record<string, unknown>;
  /** Set when this call may legitimately return data to these attackers (the secret and no-change checks still apply). */
  mayReturn?: { to: Attacker[]; why: string };
}

interface Probe {
  /** The GraphQL document: exactly one root field, the operation. Select what a leak would show. */
  doc: string;
  /** The calls to make (against the victims' objects), per attacker. */
  calls(f: Fixture, who: Attacker): Call[];
  /** Case (4): the action the operation needs (the key used has a scope that lacks it), or why every scope may do it. */
  key: { needs: Action | 'person' } | { allScopesMay: Action; why: string };
  /** Secrets this operation shows anyone by design (DESIGN.md: what a PUBLISHED trust center shows anonymously). */
  publicSecrets?: SecretKey[];
  /** Why the probe targets what it does, when that is not the obvious object. */
  note?: string;
}

const one = (variables: Record<string, unknown>): Call[] => [{ variables }];

// ---- The probes: one per operation that takes an id or slug --------------------------------------------------------

const PROBES: Record<string, Probe> = {
  // ---- Query ----
  attestation: {
    doc: `query($id: ID!) { attestation(id: $id) { id title status exceptions { description } bridgeLetters { signedByName } } }`,
    calls: (f) => [{ variables: { id: f.draftAttestationId } }, { variables: { id: f.publishedAttestationId } }],
    key: { allScopesMay: 'organization.read', why: 'reading an attestation of the key\'s own organization needs organization.read, which every scope includes' },
  },
  trustCenter: {
    doc: `query($slug: String!) { trustCenter(slug: $slug) {
      id slug name status headline description accessPolicy { autoApproveDomains }
      attestations { edges { node { id title status exceptions { description vendorResponse { managementResponse } } withdrawnReason bridgeLetters { signedByName }
        complementaryUserEntityControls { description } subserviceOrganizations { name } } } }
      documents { edges { node { id title visibility currentVersion { sha256 } } } }
      nda { body } subprocessors { name } } }`,
    note: 'a PUBLISHED trust center is public by design: read it and allow only what DESIGN.md lists; the DRAFT one must be NOT_FOUND',
    calls: (f, who) => [
      { variables: { slug: f.victim.slug }, mayReturn: { to: ['otherOrgOwner', 'ungrantedCustomer', 'anonymous'], why: 'a PUBLISHED trust center is public' } },
      ...(who === 'underScopedKey' ? [] : one({ slug: f.draftVictim.slug })),
    ],
    key: { allScopesMay: 'organization.read', why: 'a key reading its own organization\'s trust center is an organization read, which every scope includes' },
    publicSecrets: ['publishedAttestationTitle', 'bridgeLetterSigner', 'restrictedTitle', 'publicTitle', 'ndaBody', 'subprocessorName'],
  },

  // ---- attestations ----
  addBridgeLetter: {
    doc: `mutation($i: AddBridgeLetterInput!) { addBridgeLetter(input: $i) { bridgeLetter { id } attestation { id title } errors { code } } }`,
    note: 'a letter that chains from the existing one: valid had the owner sent it (see the control test)',
    calls: (f) => one({ i: { attestationId: f.publishedAttestationId, coversFrom: '2025-03-01', coversThrough: '2025-03-31', issuedOn: '2025-04-05', signedByName: 'Mallory' } }),
    key: { needs: 'attestation.write' },
  },
  createAttestation: {
    doc: `mutation($i: CreateAttestationInput!) { createAttestation(input: $i) { attestation { id title exceptions { id description vendorResponse { managementResponse } } } errors { code } } }`,
    note: "a draft in the caller's own org whose exception claims the victim's exception id: an id names an exception of the same report only",
    calls: (f) => one({ i: { framework: 'SOC2', socType: 'TYPE_II', periodStart: '2025-01-01', periodEnd: '2025-12-31', issueDate: '2026-02-15', exceptions: [{ id: f.exceptionId, controlRef: 'CC6.1', description: 'claimed' }] } }),
    key: { needs: 'attestation.write' },
  },
  setExceptionResponse: {
    doc: `mutation($i: SetExceptionResponseInput!) { setExceptionResponse(input: $i) { exception { id description vendorResponse { managementResponse } } attestation { id title } errors { code } } }`,
    note: "a response to the victim's published report: another organization's report is not found in the caller's",
    calls: (f) => one({ i: { attestationId: f.publishedAttestationId, exceptionId: f.exceptionId, managementResponse: 'hijacked', status: 'RISK_ACCEPTED' } }),
    key: { needs: 'attestation.write' },
  },
  updateAttestationInProgress: {
    doc: `mutation($id: ID!, $i: AttestationInProgressFieldsInput!) { updateAttestationInProgress(id: $id, input: $i) { attestationInProgress { id auditor } errors { code } } }`,
    calls: (f) => one({ id: f.inProgressId, i: { auditor: 'hijacked' } }),
    key: { needs: 'attestationInProgress.write' },
  },
  cancelAttestationInProgress: {
    doc: `mutation($id: ID!) { cancelAttestationInProgress(id: $id) { attestationInProgress { id status } errors { code } } }`,
    calls: (f) => one({ id: f.inProgressId }),
    key: { needs: 'attestationInProgress.write' },
  },
  completeAttestationInProgress: {
    doc: `mutation($id: ID!, $a: ID!) { completeAttestationInProgress(id: $id, attestationId: $a) { attestationInProgress { id status } errors { code } } }`,
    calls: (f) => one({ id: f.inProgressToCompleteId, a: f.draftAttestationId }),
    key: { needs: 'attestationInProgress.write' },
  },
  updateAttestation: {
    doc: `mutation($i: UpdateAttestationInput!) { updateAttestation(input: $i) { attestation { id title exceptions { description } } errors { code } } }`,
    calls: (f) => [{ variables: { i: { id: f.draftAttestationId, title: 'hijacked', opinion: 'ADVERSE' } } }, { variables: { i: { id: f.publishedAttestationId, title: 'hijacked' } } }],
    key: { needs: 'attestation.write' },
  },
  publishAttestation: {
    doc: `mutation($id: ID!) { publishAttestation(id: $id) { attestation { id title } errors { code } } }`,
    calls: (f) => one({ id: f.draftAttestationId }),
    key: { needs: 'attestation.publish' },
  },
  withdrawAttestation: {
    doc: `mutation($i: WithdrawAttestationInput!) { withdrawAttestation(input: $i) { attestation { id title } errors { code } } }`,
    calls: (f) => one({ i: { id: f.publishedAttestationId, reason: 'hijacked' } }),
    key: { needs: 'attestation.publish' },
  },

  // ---- documents ----
  createDocument: {
    doc: `mutation($i: CreateDocumentInput!) { createDocument(input: $i) { document { id title attestationId } errors { code } } }`,
    note: "a document in the caller's own org, linked to the victim's attestation: the link must be refused",
    calls: (f) => one({ i: { title: 'Mallory report', kind: 'SOC_REPORT', attestationId: f.publishedAttestationId } }),
    key: { needs: 'document.write' },
  },
  updateDocument: {
    doc: `mutation($i: UpdateDocumentInput!) { updateDocument(input: $i) { document { id title } errors { code } } }`,
    calls: (f) => one({ i: { id: f.privateDocumentId, title: 'hijacked', visibility: 'PUBLIC' } }),
    key: { needs: 'document.write' },
  },
  createDocumentUpload: {
    doc: `mutation($i: CreateDocumentUploadInput!) { createDocumentUpload(input: $i) { version { id } upload { url } errors { code } } }`,
    calls: (f) => one({ i: { documentId: f.privateDocumentId, fileName: 'evil.pdf', contentType: 'application/pdf', sizeBytes: 1000, sha256: 'a'.repeat(64) } }),
    key: { needs: 'document.write' },
  },
  completeDocumentUpload: {
    doc: `mutation($v: ID!) { completeDocumentUpload(versionId: $v) { document { id title } version { id sha256 } errors { code } } }`,
    note: 'a version the victim reserved and uploaded but did not complete',
    calls: (f) => one({ v: f.pendingVersionId }),
    key: { needs: 'document.write' },
  },
  requestDocumentDownload: {
    doc: `mutation($d: ID!) { requestDocumentDownload(documentId: $d) { download { url fileName watermarked } errors { code ndaVersion } } }`,
    note: 'the ungranted customer has a pending (not approved) request for the restricted document',
    calls: (f) => [{ variables: { d: f.restrictedDocumentId } }, { variables: { d: f.privateDocumentId } }],
    key: { needs: 'document.read' },
  },

  // ---- NDA and access ----
  publishNdaTemplate: {
    doc: `mutation($id: ID!) { publishNdaTemplate(id: $id) { ndaTemplate { id body } errors { code } } }`,
    calls: (f) => one({ id: f.draftNdaId }),
    key: { needs: 'nda.manage' },
  },
  acceptNda: {
    doc: `mutation($i: AcceptNdaInput!) { acceptNda(input: $i) { acceptance { id customerOrganizationName signerName } errors { code } } }`,
    note: "any customer may accept a PUBLISHED vendor's NDA by design: probe the DRAFT victim's (published) NDA",
    calls: (f) => one({ i: { trustCenterSlug: f.draftVictim.slug, version: f.draftVictimNdaVersion, signerName: 'Mallory', signerTitle: 'Intruder' } }),
    key: { needs: 'customer.request' },
  },
  requestAccess: {
    doc: `mutation($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { id state documents { id title } vendor { name } } errors { code } } }`,
    note: 'asking a PUBLISHED vendor is open by design: probe the DRAFT victim, and the published victim with a PRIVATE document id',
    calls: (f) => [
      { variables: { i: { trustCenterSlug: f.draftVictim.slug, reason: 'Mallory wants in' } } },
      { variables: { i: { trustCenterSlug: f.victim.slug, documentIds: [f.privateDocumentId], reason: 'Mallory wants in' } } },
    ],
    key: { needs: 'customer.request' },
  },
  decideAccessRequest: {
    doc: `mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { accessRequest { id state reason requesterEmail } errors { code } } }`,
    note: "the pending request is the ungranted customer's own: approving it itself is the attack",
    calls: (f) => one({ i: { id: f.pendingRequestId, approve: true, grantDays: 365 } }),
    key: { needs: 'access.decide' },
  },
  revokeAccess: {
    doc: `mutation($i: RevokeAccessInput!) { revokeAccess(input: $i) { accessRequest { id state reason requesterEmail } errors { code } } }`,
    calls: (f) => one({ i: { requestId: f.approvedRequestId, reason: 'hijacked' } }),
    key: { needs: 'access.decide' },
  },
  recordNdaOnFile: {
    doc: `mutation($i: RecordNdaOnFileInput!) { recordNdaOnFile(input: $i) { acceptance { id customerOrganizationName signerName } errors { code } } }`,
    note: "vendor side: the caller's org records that the (DRAFT) victim signed its NDA; the victim is named as the customer",
    calls: (f) => one({ i: { customerSlug: f.draftVictim.slug, signerName: 'Mallory' } }),
    key: { needs: 'access.decide' },
  },
  updateAccessPolicy: {
    doc: `mutation($i: UpdateAccessPolicyInput!) { updateAccessPolicy(input: $i) { accessPolicy { autoApproveDomains autoApproveOrganizationIds } errors { code } } }`,
    note: "changes the caller's own policy; naming a customer by slug is how auto-approval works, so it may succeed for org owners",
    calls: (f) => [{
      variables: { i: { autoApproveOrganizationSlugs: [f.draftVictim.slug] } },
      mayReturn: { to: ['otherOrgOwner', 'ungrantedCustomer'], why: "an owner sets its own organization's access policy; the customer named is not changed" },
    }],
    key: { needs: 'access.policy' },
  },

  // ---- organizations and keys ----
  createOrganization: {
    doc: `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id name } errors { code message } } }`,
    note: "the victim's slug, taken: SLUG_TAKEN without naming the victim",
    calls: (f) => [{ variables: { i: { slug: f.draftVictim.slug, name: 'Mallory Inc' } } }, { variables: { i: { slug: f.victim.slug, name: 'Mallory Inc' } } }],
    key: { needs: 'person' },
  },
  revokeApiKey: {
    doc: `mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id name } secret errors { code } } }`,
    calls: (f) => one({ id: f.apiKeyId }),
    key: { needs: 'apikeys.manage' },
  },
  rotateApiKey: {
    doc: `mutation($id: ID!) { rotateApiKey(id: $id) { apiKey { id name } secret errors { code } } }`,
    calls: (f) => one({ id: f.apiKeyId }),
    key: { needs: 'apikeys.manage' },
  },

  // ---- members (issue 13) ----
  resendInvitation: {
    doc: `mutation($id: ID!) { resendInvitation(id: $id) { invitation { id email } token errors { code } } }`,
    calls: (f) => one({ id: f.invitationId }),
    key: { needs: 'members.manage' },
  },
  revokeInvitation: {
    doc: `mutation($id: ID!) { revokeInvitation(id: $id) { invitation { id email } token errors { code } } }`,
    calls: (f) => one({ id: f.invitationId }),
    key: { needs: 'members.manage' },
  },
  changeMemberRole: {
    doc: `mutation($u: ID!) { changeMemberRole(userId: $u, role: VIEWER) { member { user { id email } role } errors { code } } }`,
    calls: (f) => one({ u: f.memberUserId }),
    key: { needs: 'members.manage' },
  },
  removeMember: {
    doc: `mutation($u: ID!) { removeMember(userId: $u) { removedUserId revokedApiKeyIds errors { code } } }`,
    calls: (f) => one({ u: f.memberUserId }),
    key: { needs: 'members.manage' },
  },
  transferOwnership: {
    doc: `mutation($u: ID!) { transferOwnership(userId: $u) { member { user { id email } role } errors { code } } }`,
    calls: (f) => one({ u: f.successorUserId }),
    key: { needs: 'members.transfer' },
  },

  // ---- tracking (the victim as a customer of otherVendor) ----
  watchVendor: {
    doc: `mutation($i: WatchVendorInput!) { watchVendor(input: $i) { vendor { id name } errors { code } } }`,
    note: 'watching a PUBLISHED vendor is open by design: probe the DRAFT victim',
    calls: (f) => one({ i: { trustCenterSlug: f.draftVictim.slug } }),
    key: { needs: 'tracking.write' },
  },
  unwatchVendor: {
    doc: `mutation($w: ID!) { unwatchVendor(watchId: $w) { watchId errors { code } } }`,
    calls: (f) => one({ w: f.watchId }),
    key: { needs: 'tracking.write' },
  },
  reviewVendorReport: {
    doc: `mutation($i: ReviewVendorReportInput!) { reviewVendorReport(input: $i) { review { id note reviewer } errors { code message } } }`,
    note: "the victim's own status basis (its recorded report): a review the owner could record (before recordVendorAttestation, whose certificate becomes the basis in the control run)",
    calls: (f) => one({ i: { watchId: f.offPlatformWatchId, attestationId: f.trackedAttestationId, decision: 'REJECTED', note: 'hijacked' } }),
    key: { needs: 'tracking.write' },
  },
  recordVendorAttestation: {
    doc: `mutation($i: RecordVendorAttestationInput!) { recordVendorAttestation(input: $i) { attestationId errors { code } } }`,
    calls: (f) => one({ i: { watchId: f.offPlatformWatchId, framework: 'ISO27001', issueDate: '2025-01-10', certificateValidUntil: '2028-01-09' } }),
    key: { needs: 'tracking.write' },
  },
  setRequirementPolicy: {
    doc: `mutation($i: SetRequirementPolicyInput!) { setRequirementPolicy(input: $i) { policy { maxAgeMonths } errors { code } } }`,
    calls: (f) => one({ i: { watchId: f.watchId, maxAgeMonths: 6 } }),
    key: { needs: 'tracking.write' },
  },
  clearRequirementPolicyOverride: {
    doc: `mutation($w: ID!) { clearRequirementPolicyOverride(watchId: $w) { policy { maxAgeMonths } errors { code } } }`,
    calls: (f) => one({ w: f.watchId }),
    key: { needs: 'tracking.write' },
  },

  // ---- notifications, subscriptions, webhooks, subprocessors ----
  subscribeToVendor: {
    doc: `mutation($i: SubscribeToVendorInput!) { subscribeToVendor(input: $i) { subscription { id vendorOrganizationId } errors { code } } }`,
    note: 'following a PUBLISHED vendor is open by design: probe the DRAFT victim',
    calls: (f) => one({ i: { trustCenterSlug: f.draftVictim.slug } }),
    key: { needs: 'tracking.write' },
  },
  unsubscribeFromVendor: {
    doc: `mutation($id: ID!) { unsubscribeFromVendor(id: $id) }`,
    calls: (f) => one({ id: f.subscriptionId }),
    key: { needs: 'tracking.write' },
  },
  markNotificationsRead: {
    doc: `mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }`,
    note: "the count returned is the caller's own unread count: allowed for org members, but the victim's notification must stay unread",
    calls: (f) => [{ variables: { ids: [f.notificationId] }, mayReturn: { to: ['otherOrgOwner', 'ungrantedCustomer'], why: "the unread count left in the caller's own organization" } }],
    key: { needs: 'notifications.read' },
  },
  setWebhookEndpointEnabled: {
    doc: `mutation($id: ID!) { setWebhookEndpointEnabled(id: $id, enabled: false) { id url description } }`,
    calls: (f) => one({ id: f.webhookEndpointId }),
    key: { needs: 'webhooks.manage' },
  },
  deleteWebhookEndpoint: {
    doc: `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`,
    calls: (f) => one({ id: f.webhookEndpointId }),
    key: { needs: 'webhooks.manage' },
  },
  testWebhookEndpoint: {
    doc: `mutation($id: ID!) { testWebhookEndpoint(id: $id) { id status } }`,
    calls: (f) => one({ id: f.webhookEndpointId }),
    key: { needs: 'webhooks.manage' },
  },
  removeSubprocessor: {
    doc: `mutation($id: ID!) { removeSubprocessor(id: $id) }`,
    calls: (f) => one({ id: f.subprocessorId }),
    key: { needs: 'trustCenter.update' },
  },
};

/** Operations that take no id or slug: the tenant is the caller's (token, X-Org or API key), never an argument. */
const NO_TARGET: Record<string, string> = {
  organization: 'the active organization, chosen by the token / X-Org among the caller\'s memberships',
  viewer: 'the caller\'s own user and memberships',
  portfolioSummary: 'the caller\'s own watchlist (asOf is a date)',
  vendorStatuses: 'the caller\'s own watchlist (filters and a cursor, no id)',
  verifyAuditLog: 'the active organization\'s own audit chain',
  addSubprocessor: 'adds to the active organization\'s own trust center',
  createSubprocessor: 'adds to the active organization\'s own trust center',
  createApiKey: 'creates a key in the active organization',
  inviteMember: 'invites into the active organization (the email is not an object id)',
  leaveOrganization: 'the caller leaves the active organization',
  mailPreferences: 'the caller\'s own alert mail preferences in the active organization (no id; another member\'s are never named)',
  updateMailPreferences: 'changes the caller\'s own alert mail preferences in the active organization (categories, no id)',
  acceptInvitation: 'the token is a secret that names its invitation by hash (tpi_<org>_<secret>): another tenant\'s token, forged or replaced, is INVALID_TOKEN; see test/integration/members.test.ts',
  createAttestationInProgress: 'records an attestation in progress in the active organization',
  createNdaTemplate: 'creates a draft NDA in the active organization',
  createWebhookEndpoint: 'creates an endpoint in the active organization (the URL is not an object id)',
  publishTrustCenter: 'publishes the active organization\'s own trust center',
  unpublishTrustCenter: 'unpublishes the active organization\'s own trust center',
  updateTrustCenter: 'changes the active organization\'s own trust center',
};

/**
 * Cases left out because they show a real gap (the assertion would fail). Each names the operation and attacker, and
 * what happens. Remove an entry once the server is fixed: the case then runs.
 */
const KNOWN_GAPS: Record<string, string> = {
  // recordNdaOnFile × otherOrgOwner / ungrantedCustomer were here: it accepted any organization by slug and echoed its
  // private name. Fixed: only an organization that asked this vendor for access can have an NDA recorded on file.
};

// ---- The key used for case (4) -------------------------------------------------------------------------------------

type KeyName = ApiKeyScope | 'ALL';
/** A key that lacks `needs`: READ when READ lacks it, else another single scope that does; ALL when no scope grants it. */
function keyFor(needs: Action | 'person'): KeyName {
  if (needs === 'person' || !API_KEY_SCOPES.some((s) => SCOPE_ACTIONS[s].includes(needs))) return 'ALL';
  const order: ApiKeyScope[] = ['READ', 'TRACKING', 'WEBHOOKS', 'MANAGE_ACCESS', 'PUBLISH'];
  return order.find((s) => !SCOPE_ACTIONS[s].includes(needs))!;
}

// ---- The cases ------------------------------------------------------------------------------------------------------

interface Case {
  op: string;
  who: Attacker;
}
const ALL_CASES: Case[] = Object.entries(PROBES).flatMap(([op, probe]) =>
  ATTACKERS.filter((who) => !(who === 'underScopedKey' && 'allScopesMay' in probe.key)).map((who) => ({ op, who })),
);
const caseName = (c: Case): string => `${c.op} × ${c.who}`;
const RUN = ALL_CASES.filter((c) => !KNOWN_GAPS[caseName(c)]);
const GAPS = ALL_CASES.filter((c) => KNOWN_GAPS[caseName(c)]);

// ---- Fixture ---------------------------------------------------------------------------------------------------------

let f: Fixture;
let attacker: { outsider: TestOrg; buyer: TestOrg };

async function gqlOk(org: TestOrg, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  return expectNoErrors(await app.gql(query, { token: org.owner.token, org: org.slug, variables }));
}

function noPayloadErrors<T extends { errors: unknown[] }>(payload: T): T {
  if (payload.errors.length) throw new Error(JSON.stringify(payload.errors));
  return payload;
}

async function buildFixture(): Promise<Fixture> {
  const tag = uniqueSuffix();
  const s = (name: string): string => `zz-${name}-${tag}`;
  const secrets: Record<SecretKey, string> = {
    publishedAttestationTitle: s('published-report'), draftAttestationTitle: s('draft-report'), exceptionText: s('exception'),
    bridgeLetterSigner: s('bridge-signer'), restrictedTitle: s('restricted-doc'), privateTitle: s('private-doc'), privateSha256: '',
    restrictedSha256: '', publicTitle: s('public-doc'), ndaBody: s('nda-body'), draftNdaBody: s('draft-nda-body'),
    subprocessorName: s('subprocessor'), legitCustomerName: s('legit-customer'), requestReason: s('request-reason'),
    decisionReason: s('decision-reason'), legitSigner: s('legit-signer'), watchNotes: s('watch-notes'),
    offPlatformVendorName: s('offplatform-vendor'), trackedAuditor: s('tracked-auditor'), reviewNote: s('review-note'), webhookPath: s('webhook-path'),
    webhookDescription: s('webhook-description'), apiKeyName: s('api-key'), notificationTitle: s('notification'),
    draftOrgName: s('draft-org'), draftDescription: s('draft-description'), draftAttestationTitle2: s('draft-victim-report'),
    draftDocumentTitle: s('draft-victim-doc'), draftNdaBody2: s('draft-victim-nda'),
    inviteeEmail: `${s('invitee')}@example.test`, memberEmail: '',
    subserviceName: s('subservice'), cuecText: s('cuec'), vendorResponseText: s('vendor-response'),
  };

  // The published victim and its vendor-side objects.
  const victim = await createOrg(app, { publish: true, prefix: 'victim' });
  const publishedAttestationId = await createAttestation(app, victim, soc2TypeII(2024, {
    title: secrets.publishedAttestationTitle,
    exceptions: [{ controlRef: 'CC6.1', description: secrets.exceptionText, managementResponse: 'Remediated.' }],
    subserviceOrganizations: [{ name: secrets.subserviceName, method: 'CARVE_OUT' }],
    complementaryUserEntityControls: [{ description: secrets.cuecText }],
  }), true);
  const exceptionId = (await gqlOk(victim, `query($id: ID!) { attestation(id: $id) { exceptions { id } } }`, { id: publishedAttestationId })).attestation.exceptions[0].id as string;
  noPayloadErrors((await gqlOk(victim, `mutation($i: SetExceptionResponseInput!) { setExceptionResponse(input: $i) { errors { code message } } }`, {
    i: { attestationId: publishedAttestationId, exceptionId, managementResponse: secrets.vendorResponseText, status: 'IN_PROGRESS' },
  })).setExceptionResponse);
  const draftAttestationId = await createAttestation(app, victim, soc2TypeII(2025, { title: secrets.draftAttestationTitle }));
  noPayloadErrors((await gqlOk(victim, `mutation($i: AddBridgeLetterInput!) { addBridgeLetter(input: $i) { errors { code message } } }`, {
    i: { attestationId: publishedAttestationId, coversFrom: '2025-01-01', coversThrough: '2025-02-28', issuedOn: '2025-03-05', signedByName: secrets.bridgeLetterSigner },
  })).addBridgeLetter);
  const inProgress = async (socType: string): Promise<string> => {
    const r = (await gqlOk(victim, `mutation($i: CreateAttestationInProgressInput!) { createAttestationInProgress(input: $i) { attestationInProgress { id } errors { code message } } }`, {
      i: { framework: 'SOC2', socType, expectedReportDate: '2030-05-15' },
    })).createAttestationInProgress;
    noPayloadErrors(r);
    return r.attestationInProgress.id as string;
  };
  const inProgressId = await inProgress('TYPE_I');
  const inProgressToCompleteId = await inProgress('TYPE_II');
  const restricted = await createDocumentWithFile(app, victim, { title: secrets.restrictedTitle }, await pdfBytes(`restricted ${tag}`));
  const priv = await createDocumentWithFile(app, victim, { title: secrets.privateTitle, kind: 'OTHER', visibility: 'PRIVATE' }, await pdfBytes(`private ${tag}`));
  await createDocumentWithFile(app, victim, { title: secrets.publicTitle, kind: 'POLICY', visibility: 'PUBLIC' }, await pdfBytes(`public ${tag}`));
  secrets.restrictedSha256 = sha256Hex(restricted.bytes);
  secrets.privateSha256 = sha256Hex(priv.bytes);
  const pendingBytes = await pdfBytes(`pending ${tag}`);
  const ticket = await startUpload(app, victim, priv.id, { bytes: pendingBytes });
  if (!(await putToTicket(ticket, pendingBytes)).ok) throw new Error('upload failed');
  await publishNda(app, victim, `These are the terms of the victim NDA, long enough to count. ${secrets.ndaBody}`);
  const draftNdaId = await draftNdaTemplate(app, victim, `These are the terms of the next NDA, long enough to count. ${secrets.draftNdaBody}`);
  const subprocessorId = (await gqlOk(victim, `mutation($n: String!) { addSubprocessor(input: { name: $n, purpose: "Hosting", location: "EU" }) { id } }`, { n: secrets.subprocessorName })).addSubprocessor.id;

  // A legitimate customer with an approved request (so a grant exists) and an accepted NDA.
  const legit = await createOrg(app, { prefix: 'legit' });
  await app.owner.query(`UPDATE organizations SET name = $2 WHERE id = $1`, [legit.id, secrets.legitCustomerName]);
  const legitRequest = await requestAccess(app, legit, legit.owner, victim.slug, { documentIds: [restricted.id], reason: secrets.requestReason });
  noPayloadErrors(legitRequest);
  const approvedRequestId = legitRequest.accessRequest.id as string;
  noPayloadErrors((await gqlOk(victim, `mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { accessRequest { state } errors { code message } } }`, {
    i: { id: approvedRequestId, approve: true, reason: secrets.decisionReason },
  })).decideAccessRequest);
  const ndaVersion = (await gqlOk(victim, `{ organization { ndaTemplates { version status } } }`)).organization.ndaTemplates.find((t: { status: string }) => t.status === 'PUBLISHED').version;
  const accepted = await app.gql(
    `mutation($i: AcceptNdaInput!) { acceptNda(input: $i) { errors { code message } } }`,
    { token: legit.owner.token, org: legit.slug, variables: { i: { trustCenterSlug: victim.slug, version: ndaVersion, signerName: secrets.legitSigner } } },
  );
  noPayloadErrors(expectNoErrors(accepted).acceptNda);

  // The ungranted customer: its request is pending.
  const buyer = await createOrg(app, { prefix: 'buyer' });
  const pending = noPayloadErrors(await requestAccess(app, buyer, buyer.owner, victim.slug, { documentIds: [restricted.id], reason: 'please' }));
  if (pending.accessRequest.state !== 'REQUESTED') throw new Error(`the buyer's request is ${pending.accessRequest.state}`);

  // The victim as a customer of another vendor.
  // otherVendor emits no vendor event: fan-out picks followers when a job runs, and another file's worker (webhooks.test.ts)
  // may run it mid-matrix, which would put a notification in the victim's rows between a snapshot and its check.
  const otherVendor = await createOrg(app, { publish: true, prefix: 'othervendor' });
  const watchId = noPayloadErrors((await gqlOk(victim, `mutation($i: WatchVendorInput!) { watchVendor(input: $i) { vendor { id } errors { code message } } }`, {
    i: { trustCenterSlug: otherVendor.slug, notes: secrets.watchNotes },
  })).watchVendor).vendor.id as string;
  const offPlatformWatchId = noPayloadErrors((await gqlOk(victim, `mutation($i: WatchVendorInput!) { watchVendor(input: $i) { vendor { id } errors { code message } } }`, {
    i: { name: secrets.offPlatformVendorName, domain: `offplatform-${tag}.example` },
  })).watchVendor).vendor.id as string;
  const trackedAttestationId = noPayloadErrors((await gqlOk(victim, `mutation($i: RecordVendorAttestationInput!) { recordVendorAttestation(input: $i) { attestationId errors { code message } } }`, {
    i: { watchId: offPlatformWatchId, framework: 'SOC2', socType: 'TYPE_II', periodStart: '2025-01-01', periodEnd: '2025-12-31', issueDate: '2026-01-20', opinion: 'UNQUALIFIED', auditor: secrets.trackedAuditor },
  })).recordVendorAttestation).attestationId as string;
  noPayloadErrors((await gqlOk(victim, `mutation($i: ReviewVendorReportInput!) { reviewVendorReport(input: $i) { errors { code message } } }`, {
    i: { watchId: offPlatformWatchId, attestationId: trackedAttestationId, decision: 'ACCEPTED_WITH_CONDITIONS', note: secrets.reviewNote },
  })).reviewVendorReport);
  noPayloadErrors((await gqlOk(victim, `mutation($i: SetRequirementPolicyInput!) { setRequirementPolicy(input: $i) { errors { code message } } }`, {
    i: { watchId, maxAgeMonths: 18 },
  })).setRequirementPolicy);
  const subscriptionId = noPayloadErrors((await gqlOk(victim, `mutation($s: String!) { subscribeToVendor(input: { trustCenterSlug: $s }) { subscription { id } errors { code message } } }`, {
    s: otherVendor.slug,
  })).subscribeToVendor).subscription.id as string;
  const { rows: [notification] } = await app.owner.query(
    `INSERT INTO notifications (org_id, event_id, type, vendor_org_id, title) VALUES ($1, gen_random_uuid(), 'attestation.published', $2, $3) RETURNING id`,
    [victim.id, otherVendor.id, secrets.notificationTitle],
  );

  // Webhooks and keys.
  const webhookEndpointId = noPayloadErrors((await gqlOk(victim, `mutation($u: String!, $d: String) { createWebhookEndpoint(input: { url: $u, description: $d }) { endpoint { id } errors { code message } } }`, {
    u: `https://127.0.0.1:9/${secrets.webhookPath}`, d: secrets.webhookDescription,
  })).createWebhookEndpoint).endpoint.id as string;
  const createKey = async (name: string, scopes: readonly ApiKeyScope[]) => {
    const p = noPayloadErrors((await gqlOk(victim, `mutation($n: String!, $s: [ApiKeyScope!]!) { createApiKey(input: { name: $n, scopes: $s }) { apiKey { id } secret errors { code } } }`, { n: name, s: scopes })).createApiKey);
    return { id: p.apiKey.id as string, secret: p.secret as string };
  };
  const apiKeyId = (await createKey(secrets.apiKeyName, ['READ'])).id;
  const keys = {} as Fixture['keys'];
  for (const scope of API_KEY_SCOPES) keys[scope] = await createKey(`probe-${scope}`, [scope]);
  keys.ALL = await createKey('probe-ALL', API_KEY_SCOPES);

  // Members: a pending invitation and an EDITOR.
  const invitationId = noPayloadErrors((await gqlOk(victim, `mutation($e: String!) { inviteMember(input: { email: $e, role: VIEWER }) { invitation { id } errors { code message } } }`, {
    e: secrets.inviteeEmail,
  })).inviteMember).invitation.id as string;
  const member = await addMember(app, victim, 'EDITOR');
  secrets.memberEmail = member.email;
  const idOf = async (email: string): Promise<string> => (await app.owner.query(`SELECT id FROM users WHERE subject = $1`, [`test|${email}`])).rows[0].id;
  const memberUserId = await idOf(member.email);
  const successorUserId = await idOf((await addMember(app, victim, 'EDITOR')).email);

  // The DRAFT victim: a published NDA, a published report and a restricted document, none of it public.
  const draftVictim = await createOrg(app, { prefix: 'draftvictim' });
  await app.owner.query(`UPDATE organizations SET name = $2 WHERE id = $1`, [draftVictim.id, secrets.draftOrgName]);
  noPayloadErrors((await gqlOk(draftVictim, `mutation($d: String!) { updateTrustCenter(input: { description: $d }) { errors { code message } } }`, { d: secrets.draftDescription })).updateTrustCenter);
  const draftVictimNda = await publishNda(app, draftVictim, `These are the terms of the draft vendor NDA, long enough to count. ${secrets.draftNdaBody2}`);
  await createAttestation(app, draftVictim, soc2TypeII(2025, { title: secrets.draftAttestationTitle2 }), true);
  await createDocumentWithFile(app, draftVictim, { title: secrets.draftDocumentTitle }, await pdfBytes(`draft victim ${tag}`));

  attacker = { outsider: await createOrg(app, { publish: true, prefix: 'attacker' }), buyer };
  return {
    victim, draftVictim, otherVendor, publishedAttestationId, exceptionId, draftAttestationId, inProgressId, inProgressToCompleteId, restrictedDocumentId: restricted.id, privateDocumentId: priv.id,
    pendingVersionId: ticket.versionId, draftNdaId, draftVictimNdaVersion: draftVictimNda.version, approvedRequestId, pendingRequestId: pending.accessRequest.id,
    watchId, offPlatformWatchId, trackedAttestationId, subscriptionId, webhookEndpointId, apiKeyId, subprocessorId, notificationId: notification.id, invitationId, memberUserId, successorUserId, keys, secrets,
  };
}

beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(`${TODAY}T12:00:00Z`) });
  f = await buildFixture();
}, 120_000);
afterAll(async () => { await app?.close(); });

// ---- Checks ------------------------------------------------------------------------------------------------------------

const DENIED = new Set(['NOT_FOUND', 'FORBIDDEN', 'UNAUTHENTICATED', 'ORG_REQUIRED']);

function send(who: Attacker, probe: Probe, variables: Record<string, unknown>): Promise<GqlResponse> {
  switch (who) {
    case 'otherOrgOwner': return app.gql(probe.doc, { token: attacker.outsider.owner.token, org: attacker.outsider.slug, variables });
    case 'ungrantedCustomer': return app.gql(probe.doc, { token: attacker.buyer.owner.token, org: attacker.buyer.slug, variables });
    case 'anonymous': return app.gql(probe.doc, { variables });
    case 'underScopedKey': {
      if (!('needs' in probe.key)) throw new Error('no key case for this probe');
      return app.gql(probe.doc, { token: f.keys[keyFor(probe.key.needs)].secret, variables });
    }
  }
}

/** Why the response is not "no data", or null when it is. */
function dataProblem(op: string, r: GqlResponse): string | null {
  const value = r.data?.[op];
  if (r.errors?.length) {
    const codes = r.errors.map((e) => e.extensions?.code ?? '(none)');
    if (!codes.every((c) => DENIED.has(c))) return `unexpected error codes ${JSON.stringify(codes)}: ${JSON.stringify(r.errors)}`;
    return value == null ? null : `an error and data: ${JSON.stringify(value)}`;
  }
  if (value == null) return null;
  if (Array.isArray(value)) return value.length === 0 ? null : `a list: ${JSON.stringify(value)}`;
  if (typeof value === 'object') {
    const { errors, warnings: _warnings, ...rest } = value as Record<string, unknown>;
    const empty = Object.values(rest).every((v) => v == null);
    if (Array.isArray(errors) && errors.length > 0 && empty) return null;
    return `a payload with data: ${JSON.stringify(value)}`;
  }
  return `a value: ${JSON.stringify(value)}`;
}

/** The victim's rows, with the one documented exception: `api_keys.last_used_at` of the probe keys (case 4 uses them). */
async function victimState(): Promise<Record<string, unknown>> {
  const probeKeys = new Set(Object.values(f.keys).map((k) => k.id));
  const strip = (snapshot: Record<string, unknown[]>) => ({
    ...snapshot,
    // The key in use is stamped "last used" (at most once a minute, principal.ts): the attacker's own credential, not data.
    api_keys: snapshot.api_keys!.map((row) => {
      const r = row as Record<string, unknown>;
      return probeKeys.has(r.id as string) ? { ...r, last_used_at: '(ignored)' } : r;
    }),
  });
  const [victim, draftVictim] = await Promise.all([tenantRowsSnapshot(app, f.victim.id), tenantRowsSnapshot(app, f.draftVictim.id)]);
  return { victim: strip(victim), draftVictim: strip(draftVictim) };
}

/** The audit chain heads (count, last seq and hash) of both victims, read as the owner. */
async function auditHeads(): Promise<unknown[]> {
  const { rows } = await app.owner.query(
    `SELECT org_id, count(*)::int AS n, max(seq)::int AS seq, (array_agg(hash ORDER BY seq DESC))[1] AS hash FROM audit_events WHERE org_id = ANY($1) GROUP BY org_id ORDER BY org_id`,
    [[f.victim.id, f.draftVictim.id]],
  );
  return rows;
}

// ---- Tests -------------------------------------------------------------------------------------------------------------

test('every Query and Mutation field is probed (PROBES) or listed as taking no id (NO_TARGET), and nothing is stale', async () => {
  const schema = await buildAppSchema();
  const ops = operations(schema);
  const names = new Set(ops.map((o) => o.name));
  const missing = ops.filter((o) => !PROBES[o.name] && !NO_TARGET[o.name]).map((o) => `${o.root}.${o.name}${o.targets.length ? ` (takes ${o.targets.join(', ')}: add a probe)` : ' (add to NO_TARGET with a reason, or a probe)'}`);
  const both = ops.filter((o) => PROBES[o.name] && NO_TARGET[o.name]).map((o) => o.name);
  const stale = [...Object.keys(PROBES), ...Object.keys(NO_TARGET), ...Object.keys(KNOWN_GAPS).map((k) => k.split(' × ')[0]!)].filter((n) => !names.has(n));
  const targetingWithoutProbe = ops.filter((o) => o.targets.length > 0 && NO_TARGET[o.name]).map((o) => `${o.name} takes ${o.targets.join(', ')}`);
  const probedWithoutTarget = ops.filter((o) => o.targets.length === 0 && PROBES[o.name]).map((o) => o.name);
  const unknownGapCases = Object.keys(KNOWN_GAPS).filter((k) => !ALL_CASES.some((c) => caseName(c) === k));
  expect({ missing, both, stale, targetingWithoutProbe, probedWithoutTarget, unknownGapCases })
    .toEqual({ missing: [], both: [], stale: [], targetingWithoutProbe: [], probedWithoutTarget: [], unknownGapCases: [] });
});

test('every probe document is valid against the schema and calls exactly its operation', async () => {
  const schema = await buildAppSchema();
  const problems: string[] = [];
  for (const [op, probe] of Object.entries(PROBES)) {
    const doc = parse(probe.doc);
    const errors = validate(schema, doc);
    if (errors.length) problems.push(`${op}: ${errors.map((e) => e.message).join('; ')}`);
    const operation = doc.definitions[0] as OperationDefinitionNode;
    const fields = operation.selectionSet.selections as FieldNode[];
    if (doc.definitions.length !== 1 || fields.length !== 1 || fields[0]!.name.value !== op || fields[0]!.alias) problems.push(`${op}: the document must call ${op} once, unaliased`);
    const root = operation.operation === 'query' ? 'Query' : 'Mutation';
    if (!(root === 'Query' ? schema.getQueryType() : schema.getMutationType())?.getFields()[op]) problems.push(`${op}: not a ${root} field`);
  }
  expect(problems).toEqual([]);
});

test('case (4) uses a key that really lacks what the operation needs; skipped key cases are allowed by every scope', () => {
  const problems: string[] = [];
  for (const [op, probe] of Object.entries(PROBES)) {
    if ('needs' in probe.key) {
      const name = keyFor(probe.key.needs);
      const scopes = name === 'ALL' ? [...API_KEY_SCOPES] : [name];
      if (probe.key.needs !== 'person' && scopesAllow(scopes, probe.key.needs)) problems.push(`${op}: key ${name} allows ${probe.key.needs}`);
    } else {
      const action = probe.key.allScopesMay;
      if (!API_KEY_SCOPES.every((s) => SCOPE_ACTIONS[s].includes(action))) problems.push(`${op}: not every scope allows ${action}`);
    }
  }
  expect(problems).toEqual([]);
});

test('the fixture is what the probes assume (so a refusal is not an accident of a missing object)', async () => {
  const restricted = await app.gql(`mutation($d: ID!) { requestDocumentDownload(documentId: $d) { download { watermarked } errors { code } } }`, {
    token: f.victim.owner.token, org: f.victim.slug, variables: { d: f.restrictedDocumentId },
  });
  expect(expectNoErrors(restricted).requestDocumentDownload.errors).toEqual([]);
  const states = await app.owner.query(`SELECT id, state FROM access_requests WHERE org_id = $1 ORDER BY id`, [f.victim.id]);
  expect(Object.fromEntries(states.rows.map((r) => [r.id, r.state]))).toEqual({ [f.approvedRequestId]: 'APPROVED', [f.pendingRequestId]: 'REQUESTED' });
  const grants = await app.owner.query(`SELECT count(*)::int AS n FROM access_grants WHERE org_id = $1`, [f.victim.id]);
  expect(grants.rows[0].n).toBeGreaterThan(0);
  const tc = await app.owner.query(`SELECT org_id, status FROM trust_centers WHERE org_id = ANY($1)`, [[f.victim.id, f.draftVictim.id]]);
  expect(Object.fromEntries(tc.rows.map((r) => [r.org_id, r.status]))).toEqual({ [f.victim.id]: 'PUBLISHED', [f.draftVictim.id]: 'DRAFT' });
  // Every secret is really stored somewhere a leak could take it from.
  expect(Object.values(f.secrets).filter((v) => !v)).toEqual([]);
});

describe('tenant-isolation matrix', () => {
  test.each(RUN.map((c) => [caseName(c), c] as const))('%s: no data, no secret, no change', async (_name, { op, who }) => {
    const probe = PROBES[op]!;
    const calls = probe.calls(f, who);
    expect(calls.length).toBeGreaterThan(0);
    const allowed = new Set(probe.publicSecrets ?? []);
    for (const call of calls) {
      const stateBefore = await victimState();
      const auditBefore = await auditHeads();

      const r = await send(who, probe, call.variables);

      const context = `${op} as ${who} with ${JSON.stringify(call.variables)}`;
      if (process.env.ISOLATION_DEBUG) process.stdout.write(`[isolation] ${op} × ${who}: ${r.status} ${JSON.stringify(r.errors?.map((e) => e.extensions?.code) ?? r.data)}\n`);
      if (!call.mayReturn?.to.includes(who)) expect({ context, problem: dataProblem(op, r) }).toEqual({ context, problem: null });
      const text = JSON.stringify({ data: r.data, errors: r.errors });
      const leaks = (Object.entries(f.secrets) as [SecretKey, string][]).filter(([key, value]) => !allowed.has(key) && text.includes(value)).map(([key]) => key);
      expect({ context, leaks }).toEqual({ context, leaks: [] });
      expect(await auditHeads()).toEqual(auditBefore);
      expect(await victimState()).toEqual(stateBefore);
    }
  });

  if (GAPS.length) test.skip.each(GAPS.map((c) => [caseName(c), KNOWN_GAPS[caseName(c)]!] as const))('KNOWN GAP %s: %s', () => undefined);
});

/** Reads that take no id, as each signed-in attacker and anonymously, with every list they offer: nothing of the victims'. */
const NO_TARGET_READS: Record<string, string> = {
  organization: `{ organization { id name trustCenter { description headline } attestations { edges { node { title exceptions { description } } } }
    documents { edges { node { title } } } ndaTemplates { body } ndaAcceptances { customerOrganizationName signerName }
    accessRequests { edges { node { reason decisionReason requesterOrganizationName requesterEmail } } }
    outgoingAccessRequests { edges { node { reason decisionReason vendor { name } documents { title } } } }
    notifications { edges { node { title data } } } webhookEndpoints { url description } vendorSubscriptions { vendorOrganizationId } apiKeys { name }
    members { edges { node { user { email } } } } invitations { edges { node { email } } }
    mailDeliveries { edges { node { recipient subject lastError } } }
    auditEvents { edges { node { action details targetId } } } analytics { byCustomer { organizationName } byDocument { title } } } }`,
  viewer: `{ viewer { user { email } memberships { role organization { name slug } } activeOrganization { name } } }`,
  vendorStatuses: `{ vendorStatuses { edges { node { vendor { name notes trustCenterSlug } basedOn { attestationId } review { note reviewer } reviews { note } } } } }`,
  portfolioSummary: `{ portfolioSummary { totalVendors } }`,
  verifyAuditLog: `{ verifyAuditLog { valid checkedEvents } }`,
};

test.each(Object.keys(NO_TARGET_READS))('NO_TARGET read %s shows the attackers nothing of the victims\'', async (op) => {
  expect(NO_TARGET[op]).toBeDefined();
  const allowed = new Set<SecretKey>(PROBES.trustCenter!.publicSecrets);
  for (const as of [{ token: attacker.outsider.owner.token, org: attacker.outsider.slug }, { token: attacker.buyer.owner.token, org: attacker.buyer.slug }, {}]) {
    const before = await victimState();
    const r = await app.gql(NO_TARGET_READS[op]!, as);
    if (process.env.ISOLATION_DEBUG) process.stdout.write(`[no-target] ${op}: ${JSON.stringify(r.errors ?? r.data).slice(0, 300)}\n`);
    if (r.errors) expect(r.errors.map((e) => e.extensions?.code).filter((c) => !DENIED.has(c ?? ''))).toEqual([]);
    const text = JSON.stringify({ data: r.data, errors: r.errors });
    expect((Object.entries(f.secrets) as [SecretKey, string][]).filter(([k, v]) => !allowed.has(k) && text.includes(v)).map(([k]) => k)).toEqual([]);
    expect(await victimState()).toEqual(before);
  }
});

/** Control: each probe, sent by the victim's own OWNER, succeeds: the refusals above are not typos or invalid input. */
test("control: the victim's owner succeeds with every probe (run after the matrix: it changes the fixture)", async () => {
  // Deletions last, so the objects the other probes name still exist.
  // transferOwnership at the very end: the owner is an ADMIN after it.
  const last = ['rotateApiKey', 'revokeApiKey', 'unwatchVendor', 'unsubscribeFromVendor', 'deleteWebhookEndpoint', 'removeSubprocessor', 'revokeInvitation', 'removeMember', 'transferOwnership'];
  const order = [...Object.keys(PROBES).filter((op) => !last.includes(op)), ...last];
  // The only payload errors the owner may get, and why the object is still reached.
  const expected: Record<string, string> = {
    requestAccess: 'OWN_ORGANIZATION', // the owner asks its own trust center: the private document id is not the obstacle
    createAttestation: 'UNKNOWN_EXCEPTION_ID', // a new report has no exceptions yet: an exception id names one of the same report only
    revokeApiKey: 'ALREADY_REVOKED', // rotateApiKey (run just before) revoked the old key
  };
  const notFound: string[] = [];
  for (const op of order) {
    for (const call of PROBES[op]!.calls(f, 'otherOrgOwner')) {
      // Calls aimed at the DRAFT victim (or naming it) are refused to every non-member by design; createOrganization's
      // slug is taken for everyone.
      if (JSON.stringify(call.variables).includes(f.draftVictim.slug) || op === 'createOrganization') continue;
      const r = await app.gql(PROBES[op]!.doc, { token: f.victim.owner.token, org: f.victim.slug, variables: call.variables });
      const codes = [...(r.errors ?? []).map((e) => e.extensions?.code), ...((r.data?.[op] as { errors?: { code: string }[] } | null)?.errors ?? []).map((e) => e.code)];
      if (process.env.ISOLATION_DEBUG) process.stdout.write(`[control] ${op}: ${JSON.stringify(r.errors ?? r.data).slice(0, 200)}\n`);
      if (codes.some((c) => c !== expected[op])) notFound.push(`${op}: ${JSON.stringify(r.errors ?? r.data)}`);
    }
  }
  expect(notFound).toEqual([]);
});

test("the victims' audit chains still verify after the whole matrix", async () => {
  for (const org of [f.victim, f.draftVictim]) {
    const result = await verifyAudit(app, org);
    expect(result).toMatchObject({ valid: true, firstBrokenSeq: null });
    const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM audit_events WHERE org_id = $1`, [org.id]);
    expect(result.checkedEvents).toBe(rows[0].n);
  }
});
