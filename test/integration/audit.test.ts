import { eventHash, GENESIS_HASH } from '../../src/domain/audit-chain';
import { startTestApp, type TestApp } from '../support/harness';
import { createAttestation, createOrg, expectNoErrors, type TestOrg, type TestUser } from '../support/factories';
import {
  acceptNda,
  asAppRole,
  auditTrail,
  type AuditEventView,
  completeUpload,
  createDocument,
  createDocumentWithFile,
  customerWithDomain,
  decide,
  download,
  pdfBytes,
  publishNda,
  requestAccess,
  setAccessPolicy,
  sqlError,
  startUpload,
  vendorWithRestrictedDocument,
  verifyAudit,
} from '../support/documents';

/** The audit log: one append-only SHA-256 chain per organization, and the analytics read from the same facts. */
let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

const as = (org: TestOrg, user: TestUser = org.owner) => ({ token: user.token, org: org.slug });

/**
 * Runs one statement as the database owner with a table's append-only triggers off, in one transaction (others never
 * see them off). `trigger` names one trigger, or USER for all of them.
 */
async function withTriggersOff(table: string, trigger: string, sql: string, params: unknown[]): Promise<number> {
  const client = await app.owner.connect();
  try {
    await client.query('BEGIN');
    await client.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    const r = await client.query(sql, params);
    await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
    await client.query('COMMIT');
    return r.rowCount ?? 0;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

const withoutAuditTriggers = (sql: string, params: unknown[]): Promise<number> => withTriggersOff('audit_events', 'USER', sql, params);

/** Runs `step` and returns the audit events it appended to the org's chain (tests expect exactly one). */
async function appendedBy(org: TestOrg, step: () => Promise<unknown>): Promise<AuditEventView[]> {
  const before = (await auditTrail(app, org)).length;
  await step();
  return (await auditTrail(app, org)).slice(before);
}

/** A vendor whose chain holds a handful of events (publish, document, version, NDA, request, decision). */
async function vendorWithHistory(): Promise<TestOrg> {
  const { vendor } = await vendorWithRestrictedDocument(app);
  await publishNda(app, vendor);
  const customer = await createOrg(app);
  const req = await requestAccess(app, customer, customer.owner, vendor.slug);
  await decide(app, vendor, req.accessRequest.id, true);
  return vendor;
}

function expectLinked(trail: AuditEventView[]): void {
  expect(trail.map((e) => e.seq)).toEqual(trail.map((_, i) => i + 1));
  expect(trail[0]!.prevHash).toBe(GENESIS_HASH);
  trail.slice(1).forEach((e, i) => expect(e.prevHash).toBe(trail[i]!.hash));
  expect(new Set(trail.map((e) => e.hash)).size).toBe(trail.length);
}

describe('what is recorded', () => {
  test('every audited action appends exactly one event naming its actor, action and target', async () => {
    const vendor = await createOrg(app, { publish: true });
    const customer = await createOrg(app);
    const vendorActor = { actorEmail: vendor.owner.email, actorOrganizationId: vendor.id };
    const customerActor = { actorEmail: customer.owner.email, actorOrganizationId: customer.id };

    let documentId = '';
    const created = await appendedBy(vendor, async () => { documentId = await createDocument(app, vendor, { title: 'SOC 2 Type II' }); });
    expect(created).toMatchObject([{ action: 'document.created', ...vendorActor, targetType: 'document', targetId: documentId, details: { title: 'SOC 2 Type II', kind: 'SOC_REPORT', visibility: 'RESTRICTED' } }]);

    const bytes = await pdfBytes('SOC 2 Type II');
    const ticket = await startUpload(app, vendor, documentId, { bytes });
    await fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body: bytes });
    const available = await appendedBy(vendor, () => completeUpload(app, vendor, ticket.versionId));
    expect(available).toMatchObject([{ action: 'document.version_available', ...vendorActor, targetType: 'document', targetId: documentId, details: { version: 1, sizeBytes: bytes.length } }]);

    let nda = { id: '', version: 0 };
    const published = await appendedBy(vendor, async () => { nda = await publishNda(app, vendor); });
    expect(published).toMatchObject([
      { action: 'nda.created', ...vendorActor, targetType: 'nda_template', targetId: nda.id, details: { version: 1, status: 'DRAFT' } },
      { action: 'nda.published', ...vendorActor, targetType: 'nda_template', targetId: nda.id, details: { version: 1 } },
    ]);

    const accepted = await appendedBy(vendor, () => acceptNda(app, customer, customer.owner, vendor.slug, 1));
    expect(accepted).toMatchObject([{ action: 'nda.accepted', ...customerActor, targetType: 'nda_template', targetId: nda.id, details: { version: 1, customer: `Org ${customer.slug}` } }]);

    let requestId = '';
    const requested = await appendedBy(vendor, async () => { requestId = (await requestAccess(app, customer, customer.owner, vendor.slug)).accessRequest.id; });
    expect(requested).toMatchObject([{ action: 'access.requested', ...customerActor, targetType: 'access_request', targetId: requestId }]);

    const approved = await appendedBy(vendor, () => decide(app, vendor, requestId, true));
    expect(approved).toMatchObject([{ action: 'access.approved', ...vendorActor, targetType: 'access_request', targetId: requestId, details: { customer: `Org ${customer.slug}`, rule: null } }]);

    const downloaded = await appendedBy(vendor, async () => expect((await download(app, documentId, as(customer))).errors).toBeUndefined());
    expect(downloaded).toMatchObject([{ action: 'document.downloaded', ...customerActor, targetType: 'document', targetId: documentId, details: { version: 1, watermarked: true, customer: `Org ${customer.slug}` } }]);

    const revoked = await appendedBy(vendor, () => app.gql(`mutation($i: RevokeAccessInput!) { revokeAccess(input: $i) { errors { code } } }`, { ...as(vendor), variables: { i: { requestId, reason: 'Contract ended' } } }));
    expect(revoked).toMatchObject([{ action: 'access.revoked', ...vendorActor, targetType: 'access_request', targetId: requestId, details: { reason: 'Contract ended' } }]);

    const other = await createOrg(app);
    let otherRequest = '';
    await appendedBy(vendor, async () => { otherRequest = (await requestAccess(app, other, other.owner, vendor.slug)).accessRequest.id; });
    const denied = await appendedBy(vendor, () => decide(app, vendor, otherRequest, false, { reason: 'Unknown company' }));
    expect(denied).toMatchObject([{ action: 'access.denied', ...vendorActor, targetType: 'access_request', targetId: otherRequest, details: { reason: 'Unknown company' } }]);

    const policy = await appendedBy(vendor, () => setAccessPolicy(app, vendor, { defaultGrantDays: 90 }));
    expect(policy).toMatchObject([{ action: 'access.policy_updated', ...vendorActor, targetType: 'trust_center', targetId: vendor.id, details: { defaultGrantDays: 90 } }]);

    const onFile = await appendedBy(vendor, () => app.gql(
      `mutation($i: RecordNdaOnFileInput!) { recordNdaOnFile(input: $i) { errors { code } } }`,
      { ...as(vendor), variables: { i: { customerSlug: other.slug, signerName: 'Chris Counsel', note: 'MNDA 2025' } } },
    ));
    expect(onFile).toMatchObject([{ action: 'nda.recorded_on_file', ...vendorActor, targetType: 'organization', targetId: other.id, details: { note: 'MNDA 2025' } }]);

    const trail = await auditTrail(app, vendor);
    expect(trail.every((e) => typeof e.ip === 'string' && e.ip.length > 0)).toBe(true);
    // The customer's actions are the vendor's facts: none of them lands in the customer's own chain (only its creation).
    expect((await auditTrail(app, customer)).map((e) => e.action)).toEqual(['organization.created']);
  });

  test('publishing and unpublishing the trust center, publishing and withdrawing an attestation are audited too', async () => {
    // DESIGN: the audit log records "every grant, denial, revocation, NDA acceptance, download, publish, key change";
    // AuditAction declares these four actions.
    const vendor = await createOrg(app);
    const vendorActor = { actorEmail: vendor.owner.email, actorOrganizationId: vendor.id };
    const published = await appendedBy(vendor, () => app.gql(`mutation { publishTrustCenter { errors { code } } }`, as(vendor)));
    expect(published).toMatchObject([{ action: 'trust_center.published', ...vendorActor }]);

    let attestationId = '';
    const attested = await appendedBy(vendor, async () => { attestationId = await createAttestation(app, vendor, {}, true); });
    expect(attested).toMatchObject([
      { action: 'attestation.created', ...vendorActor, targetType: 'attestation', targetId: attestationId },
      { action: 'attestation.published', ...vendorActor, targetType: 'attestation', targetId: attestationId },
    ]);

    const withdrawn = await appendedBy(vendor, () => app.gql(
      `mutation($i: WithdrawAttestationInput!) { withdrawAttestation(input: $i) { errors { code } } }`,
      { ...as(vendor), variables: { i: { id: attestationId, reason: 'Wrong period' } } },
    ));
    expect(withdrawn).toMatchObject([{ action: 'attestation.withdrawn', ...vendorActor, targetType: 'attestation', targetId: attestationId }]);

    const unpublished = await appendedBy(vendor, () => app.gql(`mutation { unpublishTrustCenter { errors { code } } }`, as(vendor)));
    expect(unpublished).toMatchObject([{ action: 'trust_center.unpublished', ...vendorActor }]);
  });

  test('seq runs 1..n without gaps, each event links to the previous hash, and verifyAuditLog is valid', async () => {
    const vendor = await vendorWithHistory();
    const trail = await auditTrail(app, vendor);
    expect(trail.map((e) => e.action)).toEqual([
      'organization.created', 'trust_center.published', 'document.created', 'document.upload_started', 'document.version_available',
      'nda.created', 'nda.published', 'access.requested', 'access.approved',
    ]);
    expectLinked(trail);
    expect(await verifyAudit(app, vendor)).toEqual({ valid: true, checkedEvents: trail.length, firstBrokenSeq: null, reason: null });
  });

  test('concurrent appends from 20 customers keep one gapless, valid chain', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const customers = await Promise.all(Array.from({ length: 20 }, () => createOrg(app, { prefix: 'cust' })));
    const results = await Promise.all(customers.map((c) => requestAccess(app, c, c.owner, vendor.slug)));
    expect(results.flatMap((r) => r.errors)).toEqual([]);

    const trail = await auditTrail(app, vendor);
    expectLinked(trail);
    const requested = trail.filter((e) => e.action === 'access.requested');
    expect(new Set(requested.map((e) => e.targetId))).toEqual(new Set(results.map((r) => r.accessRequest.id)));
    const { rows } = await app.owner.query(`SELECT count(*)::int AS n, count(DISTINCT seq)::int AS seqs, max(seq)::int AS max FROM audit_events WHERE org_id = $1`, [vendor.id]);
    expect(rows[0]).toEqual({ n: trail.length, seqs: trail.length, max: trail.length });
    expect(await verifyAudit(app, vendor)).toMatchObject({ valid: true, checkedEvents: trail.length });
  });

  test('concurrent auto-approved requests, two events per transaction (the second links without a second lock), keep one gapless, valid chain', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const domain = `chain-${Date.now()}.example`;
    expect((await setAccessPolicy(app, vendor, { autoApproveDomains: [domain], defaultGrantDays: 30 })).errors).toEqual([]);
    const buyers = await Promise.all(Array.from({ length: 12 }, () => customerWithDomain(app, domain)));
    const before = (await auditTrail(app, vendor)).length;
    const results = await Promise.all(buyers.map(({ customer, user }) => requestAccess(app, customer, user, vendor.slug)));
    expect(results.map((r) => r.accessRequest.state)).toEqual(results.map(() => 'APPROVED'));

    const trail = await auditTrail(app, vendor);
    expectLinked(trail);
    const added = trail.slice(before);
    expect(added).toHaveLength(24);
    // Each request's two events are consecutive: its transaction held the chain from the first to the second.
    for (let i = 0; i < added.length; i += 2) {
      expect([added[i]!.action, added[i + 1]!.action]).toEqual(['access.requested', 'access.approved']);
      expect(added[i + 1]!.targetId).toBe(added[i]!.targetId);
    }
    expect(await verifyAudit(app, vendor)).toMatchObject({ valid: true, checkedEvents: trail.length });
  });
});

describe('append-only and tamper-evident', () => {
  test('the app role may not UPDATE, DELETE or TRUNCATE audit events; the owner meets the trigger', async () => {
    const vendor = await vendorWithHistory();
    const events = (await auditTrail(app, vendor)).length;
    const refused = await asAppRole(app, vendor.id, async (c) => ({
      visible: (await c.query(`SELECT count(*)::int AS n FROM audit_events`)).rows[0].n,
      update: await sqlError(() => c.query(`UPDATE audit_events SET details = '{}' WHERE org_id = $1 AND seq = 2`, [vendor.id])),
    }));
    expect(refused.visible).toBe(events);
    expect(refused.update).toMatchObject({ code: '42501' });
    expect(await asAppRole(app, vendor.id, (c) => sqlError(() => c.query(`DELETE FROM audit_events WHERE org_id = $1`, [vendor.id])))).toMatchObject({ code: '42501' });
    expect(await asAppRole(app, vendor.id, (c) => sqlError(() => c.query(`TRUNCATE audit_events`)))).toMatchObject({ code: '42501' });

    for (const sql of [`UPDATE audit_events SET details = '{}' WHERE org_id = $1 AND seq = 2`, `DELETE FROM audit_events WHERE org_id = $1 AND seq = 2`]) {
      expect(await sqlError(() => app.owner.query(sql, [vendor.id]))).toMatchObject({ message: expect.stringMatching(/append-only/) });
    }
    expect(await verifyAudit(app, vendor)).toMatchObject({ valid: true, checkedEvents: events });
  });

  test('changing one stored event (triggers off, as the owner) is HASH_MISMATCH at its seq; other orgs stay valid', async () => {
    const vendor = await vendorWithHistory();
    const bystander = await vendorWithHistory();
    const changed = await withoutAuditTriggers(
      `UPDATE audit_events SET details = jsonb_set(details, '{title}', '"Something else"') WHERE org_id = $1 AND seq = 2`, [vendor.id],
    );
    expect(changed).toBe(1);
    expect(await verifyAudit(app, vendor)).toEqual({ valid: false, checkedEvents: 1, firstBrokenSeq: 2, reason: 'HASH_MISMATCH' });
    expect(await verifyAudit(app, bystander)).toEqual({ valid: true, checkedEvents: (await auditTrail(app, bystander)).length, firstBrokenSeq: null, reason: null });
  });

  test('a forged event with its own hash recomputed still breaks the next link (PREVIOUS_HASH_MISMATCH)', async () => {
    const vendor = await vendorWithHistory();
    const { rows } = await app.owner.query(`SELECT * FROM audit_events WHERE org_id = $1 AND seq = 3`, [vendor.id]);
    const row = rows[0];
    const forged = { ...row.details, sha256: '0'.repeat(64) };
    const hash = eventHash(row.prev_hash, {
      orgId: row.org_id, seq: Number(row.seq), occurredAt: row.occurred_at.toISOString(), action: row.action, actorUserId: row.actor_user_id,
      actorEmail: row.actor_email, actorOrgId: row.actor_org_id, targetType: row.target_type, targetId: row.target_id, ip: row.ip, details: forged,
    });
    await withoutAuditTriggers(`UPDATE audit_events SET details = $2::jsonb, hash = $3 WHERE org_id = $1 AND seq = 3`, [vendor.id, JSON.stringify(forged), hash]);
    expect(await verifyAudit(app, vendor)).toEqual({ valid: false, checkedEvents: 3, firstBrokenSeq: 4, reason: 'PREVIOUS_HASH_MISMATCH' });
  });

  test('deleting one event (triggers off, as the owner) is a SEQUENCE_GAP at the next seq', async () => {
    const vendor = await vendorWithHistory();
    const bystander = await vendorWithHistory();
    expect(await withoutAuditTriggers(`DELETE FROM audit_events WHERE org_id = $1 AND seq = 3`, [vendor.id])).toBe(1);
    expect(await verifyAudit(app, vendor)).toEqual({ valid: false, checkedEvents: 2, firstBrokenSeq: 4, reason: 'SEQUENCE_GAP' });
    expect(await verifyAudit(app, bystander)).toMatchObject({ valid: true, checkedEvents: (await auditTrail(app, bystander)).length });
  });
});

// ---- analytics -----------------------------------------------------------------------------------------------------

describe('analytics', () => {
  const ANALYTICS = `query($from: Date, $to: Date) { organization { analytics(from: $from, to: $to) {
    from to totalDownloads pendingRequests decidedRequests medianHoursToDecision meanHoursToDecision
    byDocument { documentId title downloads } byCustomer { organizationId organizationName downloads } byDay { date downloads } } } }`;

  /**
   * Facts are made through `app` (the real clock) and then moved to noon on DAY; `clocked` reads them with its clock on
   * DAY, so "today" (the default `to`) is DAY wherever the wall clock is, even across midnight UTC.
   */
  const DAY = '2026-03-10';
  const NOON = `${DAY}T12:00:00Z`;
  let clocked: TestApp;
  beforeAll(async () => { clocked = await startTestApp({ now: () => new Date(`${DAY}T18:00:00Z`) }); });
  afterAll(async () => { await clocked.close(); });

  /** A customer whose owner's request the vendor decided `hours` after it was made, at noon on DAY. */
  async function decidedCustomer(vendor: TestOrg, approve: boolean, hours: number): Promise<TestOrg> {
    const customer = await createOrg(app, { prefix: 'cust' });
    const id = (await requestAccess(app, customer, customer.owner, vendor.slug)).accessRequest.id;
    await decide(app, vendor, id, approve);
    await app.owner.query(`UPDATE access_requests SET decided_at = $4, created_at = $4::timestamptz - make_interval(hours => $3) WHERE org_id = $1 AND id = $2`, [vendor.id, id, hours, NOON]);
    return customer;
  }

  /** Moves the vendor's download events to noon on DAY (they are append-only: the trigger is off in this transaction only). */
  function downloadsAtNoon(vendor: TestOrg): Promise<number> {
    return withTriggersOff('download_events', 'download_events_append_only', `UPDATE download_events SET occurred_at = $2 WHERE org_id = $1`, [vendor.id, NOON]);
  }


  test('downloads per document, customer and day; pending and decided requests; hours to decision', async () => {
    const { vendor, documentId: report } = await vendorWithRestrictedDocument(app, 'SOC 2 Type II');
    const penTest = await createDocumentWithFile(app, vendor, { title: 'Pen test 2026', kind: 'PEN_TEST' });
    const overview = await createDocumentWithFile(app, vendor, { title: 'Security overview', kind: 'POLICY', visibility: 'PUBLIC' });
    await setAccessPolicy(app, vendor, { ndaRequired: false });

    const alpha = await decidedCustomer(vendor, true, 1);
    const beta = await decidedCustomer(vendor, true, 2);
    await decidedCustomer(vendor, false, 6);
    const waiting = await createOrg(app, { prefix: 'cust' });
    await requestAccess(app, waiting, waiting.owner, vendor.slug);
    // Decided by the policy, not a person: neither pending nor counted in time to decision.
    const listed = await createOrg(app, { prefix: 'cust' });
    await setAccessPolicy(app, vendor, { autoApproveOrganizationSlugs: [listed.slug] });
    expect((await requestAccess(app, listed, listed.owner, vendor.slug)).accessRequest.state).toBe('APPROVED');

    const downloads: [string, { token: string; org: string } | undefined][] = [
      [report, as(alpha)], [report, as(alpha)], [penTest.id, as(alpha)], [report, as(beta)], [overview.id, undefined], [overview.id, undefined],
    ];
    for (const [documentId, who] of downloads) {
      const r = await download(app, documentId, who);
      expect(r.data?.requestDocumentDownload.download.url).toEqual(expect.any(String));
    }

    expect(await downloadsAtNoon(vendor)).toBe(6);
    const r = await clocked.gql(ANALYTICS, as(vendor));
    expect(expectNoErrors(r).organization.analytics).toEqual({
      from: '2026-02-09', // 29 days before
      to: DAY, // the server's today
      totalDownloads: 6,
      byDocument: [
        { documentId: report, title: 'SOC 2 Type II', downloads: 3 },
        { documentId: overview.id, title: 'Security overview', downloads: 2 },
        { documentId: penTest.id, title: 'Pen test 2026', downloads: 1 },
      ],
      byCustomer: [
        { organizationId: alpha.id, organizationName: `Org ${alpha.slug}`, downloads: 3 },
        { organizationId: null, organizationName: null, downloads: 2 },
        { organizationId: beta.id, organizationName: `Org ${beta.slug}`, downloads: 1 },
      ],
      byDay: [{ date: DAY, downloads: 6 }],
      pendingRequests: 1,
      decidedRequests: 3,
      medianHoursToDecision: expect.closeTo(2, 3),
      meanHoursToDecision: expect.closeTo(3, 3),
    });
  });

  test('a period without downloads counts none; from after to is BAD_USER_INPUT', async () => {
    const vendor = await vendorWithHistory();
    const empty = await app.gql(ANALYTICS, { ...as(vendor), variables: { from: '2020-01-01', to: '2020-01-31' } });
    expect(expectNoErrors(empty).organization.analytics).toMatchObject({
      from: '2020-01-01', to: '2020-01-31', totalDownloads: 0, byDocument: [], byCustomer: [], byDay: [], decidedRequests: 0, medianHoursToDecision: null,
    });

    const reversed = await app.gql(ANALYTICS, { ...as(vendor), variables: { from: '2026-03-02', to: '2026-03-01' } });
    expect(reversed.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
