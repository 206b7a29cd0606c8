import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ensureDatabase, migrate } from '../../src/db/bootstrap';
import { uniqueSuffix } from '../support/harness';
import { inert, loosen, readCatalog, runMatrix, seed, type Seed, type VisitorWrite } from '../support/rls-matrix';

/**
 * Issue 11, items 8 and 9: row-level security is checked for what it does, not for existing. For every table the
 * catalog lists (test/support/rls-matrix.ts): a member of tenant X reads none of tenant Y's rows and all of its own;
 * an unfiltered UPDATE or DELETE touches only the acting tenant's rows; a row cannot be inserted with Y's org_id nor
 * moved to Y; a visitor in X (app.visitor) inserts, updates and deletes nothing, except the customer rows below, and
 * those only for its own customer organization and user. The second part loosens each policy in turn and proves the
 * matrix notices.
 */

const ownerUrl = (): string => process.env.TP_TEST_OWNER_URL!;

async function visibleFile(s: Seed, c: pg.ClientBase): Promise<{ version_id: string; document_id: string }> {
  const { rows } = await c.query(
    `SELECT v.id AS version_id, v.document_id FROM document_versions v JOIN documents d ON d.org_id = v.org_id AND d.id = v.document_id
     WHERE v.org_id = $1 AND v.status = 'AVAILABLE' AND d.visibility <> 'PRIVATE' LIMIT 1`,
    [s.x],
  );
  if (!rows[0]) throw new Error('the seed has no AVAILABLE file of a visible document in X');
  return rows[0];
}

/**
 * The only inserts a visitor may make (migrations/1795708000004-visitor-writes.ts): what requestAccess, acceptNda and a
 * download write in the vendor's tenant. Each gives the visitor's own row, and rows it must be refused.
 */
const VISITOR_WRITES: Record<string, VisitorWrite> = {
  access_requests: {
    own: async (s) => ({ row: { requester_org_id: s.customer, requester_user_id: s.users.customer, state: 'REQUESTED' } }),
    refused: {
      "another customer organization's request": async (s) => ({ row: { requester_org_id: s.otherCustomer, requester_user_id: s.users.customer, state: 'REQUESTED' } }),
      "another user's request": async (s) => ({ row: { requester_org_id: s.customer, requester_user_id: s.users.otherCustomer, state: 'REQUESTED' } }),
      'a request already approved': async (s) => ({ row: { requester_org_id: s.customer, requester_user_id: s.users.customer, state: 'APPROVED' } }),
    },
  },
  access_request_events: {
    // The event of a request: the parent request is made (as the superuser) inside the probe.
    own: async (s, c) => {
      const id = randomUUID();
      return { row: { request_id: id, actor_user_id: s.users.customer, from_state: null, to_state: 'REQUESTED' }, prepare: () => insertRequest(c, id, s.x, s.customer, s.users.customer) };
    },
    refused: {
      "an event of another customer organization's request": async (s, c) => {
        const id = randomUUID();
        return { row: { request_id: id, actor_user_id: s.users.customer, from_state: null, to_state: 'REQUESTED' }, prepare: () => insertRequest(c, id, s.x, s.otherCustomer, s.users.otherCustomer) };
      },
      'a decision (REQUESTED -> APPROVED)': async (s, c) => {
        const id = randomUUID();
        return { row: { request_id: id, actor_user_id: s.users.customer, from_state: 'REQUESTED', to_state: 'APPROVED' }, prepare: () => insertRequest(c, id, s.x, s.customer, s.users.customer) };
      },
    },
  },
  nda_acceptances: {
    own: async (s) => ({ row: { source: 'CLICKWRAP', customer_org_id: s.customer, signer_user_id: s.users.customer } }),
    refused: {
      "another customer organization's acceptance": async (s) => ({ row: { source: 'CLICKWRAP', customer_org_id: s.otherCustomer, signer_user_id: s.users.customer } }),
      "another signer's acceptance": async (s) => ({ row: { source: 'CLICKWRAP', customer_org_id: s.customer, signer_user_id: s.users.otherCustomer } }),
      'an NDA on file (the vendor records those)': async (s) => ({ row: { source: 'ON_FILE', customer_org_id: s.customer, signer_user_id: s.users.customer } }),
    },
  },
  download_events: {
    own: async (s, c) => ({ row: { ...(await visibleFile(s, c)), customer_org_id: s.customer, user_id: s.users.customer } }),
    refused: {
      "another customer organization's download": async (s, c) => ({ row: { ...(await visibleFile(s, c)), customer_org_id: s.otherCustomer, user_id: s.users.customer } }),
      "another user's download": async (s, c) => ({ row: { ...(await visibleFile(s, c)), customer_org_id: s.customer, user_id: s.users.otherCustomer } }),
      'a download of a PRIVATE document': async (s, c) => {
        const documentId = randomUUID();
        const versionId = randomUUID();
        return {
          row: { document_id: documentId, version_id: versionId, customer_org_id: s.customer, user_id: s.users.customer },
          prepare: async () => {
            await c.query(`INSERT INTO documents (org_id, id, title, kind, visibility) VALUES ($1, $2, 'Private', 'POLICY', 'PRIVATE')`, [s.x, documentId]);
            await c.query(
              `INSERT INTO document_versions (org_id, id, document_id, version, storage_key, file_name, content_type, size_bytes, sha256, status)
               VALUES ($1, $2, $3, 1, 'k', 'f.pdf', 'application/pdf', 1, 'h', 'AVAILABLE')`,
              [s.x, versionId, documentId],
            );
          },
        };
      },
    },
  },
  audit_events: {
    own: async (s) => ({ row: { action: 'document.downloaded', actor_user_id: s.users.customer, actor_org_id: s.customer } }),
    refused: {
      "a vendor's action (access.approved)": async (s) => ({ row: { action: 'access.approved', actor_user_id: s.users.customer, actor_org_id: s.customer } }),
      'an event naming another customer organization': async (s) => ({ row: { action: 'nda.accepted', actor_user_id: s.users.customer, actor_org_id: s.otherCustomer } }),
      'an event naming another user': async (s) => ({ row: { action: 'access.requested', actor_user_id: s.users.otherCustomer, actor_org_id: s.customer } }),
    },
  },
};

async function insertRequest(c: pg.ClientBase, id: string, org: string, requester: string, user: string): Promise<void> {
  await c.query(
    `INSERT INTO access_requests (org_id, id, requester_org_id, requester_org_name, requester_user_id, requester_email, scope, state)
     VALUES ($1, $2, $3, 'Customer', $4, 'buyer@example.test', 'ALL_RESTRICTED', 'REQUESTED')`,
    [org, id, requester, user],
  );
}

/** One transaction on a superuser connection, always rolled back. */
async function inRolledBack<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    return await work(c);
  } finally {
    await c.query('ROLLBACK').catch(() => undefined);
    await c.end();
  }
}

test('the RLS matrix holds for every table of the schema: tenants apart, visitors write only their own customer rows', async () => {
  const { failures, tables } = await inRolledBack(ownerUrl(), async (c) => {
    const cat = await readCatalog(c);
    const s = await seed(c, cat);
    return { failures: await runMatrix(c, cat, s, { visitorWrites: VISITOR_WRITES }), tables: [...cat.tables.values()] };
  });
  expect(failures).toEqual([]);
  // Generated from the catalog: every tenant table is in it (a smoke check that the catalog query found them).
  expect(tables.filter((t) => t.key === 'org_id').length).toBeGreaterThanOrEqual(25);
}, 120_000);

test('loosening any one policy to admit everything makes the matrix fail (each policy is needed)', async () => {
  // A scratch database: ALTER POLICY locks its table until the transaction ends, which other test files must not wait on.
  const admin = new URL(ownerUrl());
  const name = `tp_rls_mutants_${uniqueSuffix()}`;
  const url = await ensureDatabase(admin.toString(), name);
  try {
    await migrate(url, undefined);
    const { undetected, inertPolicies, tried } = await inRolledBack(url, async (c) => {
      const cat = await readCatalog(c);
      const s = await seed(c, cat);
      const baseline = await runMatrix(c, cat, s, { visitorWrites: VISITOR_WRITES });
      if (baseline.length > 0) throw new Error(`the matrix fails before any policy is loosened: ${baseline.join('\n')}`);
      const out = { undetected: [] as string[], inertPolicies: [] as string[], tried: 0 };
      for (const p of cat.policies) {
        if ((p.qual ?? 'true') === 'true' && (p.check ?? 'true') === 'true') continue; // already admits everything (shared caches)
        if (inert(p, cat)) {
          out.inertPolicies.push(p.name);
          continue;
        }
        out.tried++;
        await c.query('SAVEPOINT mutant');
        await c.query(loosen(p));
        const failures = await runMatrix(c, cat, s, { only: [p.table], visitorWrites: VISITOR_WRITES });
        await c.query('ROLLBACK TO SAVEPOINT mutant');
        await c.query('RELEASE SAVEPOINT mutant');
        if (failures.length === 0) out.undetected.push(`${p.table}.${p.name}`);
      }
      return out;
    });
    expect(undetected).toEqual([]);
    expect(tried).toBeGreaterThan(100);
    // Inert: policies for a command the app role holds no grant for (an UPDATE policy on an append-only table); the
    // grant is the wall there, and a future grant makes the policy live and this test covers it.
    expect(inertPolicies.every((n) => /_(update|delete)$/.test(n))).toBe(true);
  } finally {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    await client.end();
  }
}, 300_000);
