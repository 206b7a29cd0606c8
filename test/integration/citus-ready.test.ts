import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/**
 * Issue 16, item 6: the schema can be distributed by organization with Citus without a rewrite (docs/scaling.md).
 * Everything is read from the catalog of the migrated database, so a new table is checked without editing this file:
 * - a table with an `org_id` column is a tenant table, distributed by `org_id`; any other table must be listed below
 *   as a reference table (copied to every node) or a coordinator table (stays on the coordinator only);
 * - a tenant table's `org_id` is a NOT NULL uuid (one type, so all tenant tables share one colocation group), its
 *   primary key, every UNIQUE or EXCLUDE constraint and every unique index include it (Citus enforces uniqueness
 *   per shard only), and a foreign key between tenant tables pairs `org_id` with `org_id` (both rows on one shard);
 * - foreign keys only go where Citus can check them: tenant -> tenant (as above), tenant -> reference,
 *   reference -> reference, coordinator -> coordinator or reference; none that includes org_id may change it
 *   (ON DELETE SET NULL/DEFAULT, ON UPDATE SET NULL/DEFAULT/CASCADE; ErrorIfUnsupportedForeignConstraintExists),
 *   and they form no cycle (a referenced table is distributed first);
 * - no policy on a distributed or reference table has a subquery: Citus refuses to distribute such a table
 *   (ErrorIfUnsupportedPolicyExpr in src/backend/distributed/commands/policy.c). The policies that have one today are
 *   listed below with the rewrite each needs; the list must stay exact.
 * The `create_reference_table` / `create_distributed_table` script in docs/scaling.md is generated from the same
 * reading and compared, so the document cannot drift from the schema.
 */

type Placement = 'reference' | 'coordinator';

/**
 * Tables without an org_id column. Reference tables are read by tenant queries (joins, foreign keys), small, rarely
 * written; coordinator tables are never joined with tenant tables.
 */
const GLOBAL_TABLES: Record<string, { placement: Placement; why: string }> = {
  organizations: { placement: 'reference', why: 'the tenants themselves: every tenant table has a foreign key to it, and the public slug is unique across all of them' },
  users: { placement: 'reference', why: 'people belong to several organizations (memberships.user_id references it); the token subject is unique across all' },
  persisted_queries: { placement: 'coordinator', why: 'a cache of query texts by hash, read and written outside any tenant, never joined' },
  migrations: { placement: 'coordinator', why: "TypeORM's ledger of applied migrations; DDL runs on the coordinator, which propagates it" },
};

/** Whole schemas that stay on the coordinator. */
const COORDINATOR_SCHEMAS: Record<string, string> = {
  graphile_worker: 'the job queue: polled with SKIP LOCKED and LISTEN/NOTIFY on one node, never joined with tenant tables',
};

/**
 * Policies with a subquery today, each with the rewrite it needs before its table can be distributed (docs/scaling.md,
 * "Before distributing"). Keyed `table.policy`.
 */
const POLICY_REWRITES: Record<string, string> = {
  'organizations.organizations_select': "members see their organizations: drop the memberships subquery; list a user's organizations through memberships (already filtered by user_id) instead",
  'organizations.organizations_public': 'public reads of a published organization: a `published` column on organizations, kept by the trust-center publish path',
  'users.users_select': 'members of the current org see each other: read users through a join from memberships (tenant-filtered) instead',
  'attestations.attestations_public': 'public reads need a published trust center: a `center_published` column kept in step by the publish path (same shard)',
  'subprocessors.subprocessors_public': 'as attestations_public',
  'bridge_letters.bridge_letters_public': "a letter is public with its attestation: copy the attestation's status onto the letter",
  'bridge_letters.bridge_letters_visitor': 'as bridge_letters_public',
  'document_versions.document_versions_visitor': "copy the document's visibility onto its versions",
  'access_request_events.access_request_events_visitor_insert': 'copy requester_org_id and requester_user_id onto the event row',
  'download_events.download_events_visitor_insert': 'the version check moves into the download service (already checked there), the policy keeps the customer and user columns',
};

/** The first tenant table distributed; the others colocate with it. One per vendor org, no foreign key to another tenant table. */
const COLOCATION_ANCHOR = 'trust_centers';
const DISTRIBUTION_COLUMN = 'org_id';

interface Plan {
  global: Record<string, { placement: Placement; why: string }>;
  coordinatorSchemas: Record<string, string>;
  policyRewrites: Record<string, string>;
}

const PLAN: Plan = { global: GLOBAL_TABLES, coordinatorSchemas: COORDINATOR_SCHEMAS, policyRewrites: POLICY_REWRITES };

interface Table {
  oid: number;
  name: string;
  kind: 'tenant' | Placement | 'unclassified';
  orgAttnum: number | null;
  attnames: Map<number, string>;
}

interface Layout {
  problems: string[];
  /** Reference tables, then tenant tables, each in foreign-key order (a referenced table first). */
  reference: string[];
  tenant: string[];
  functions: string[];
}

const cols = (t: Table, attnums: number[]): string => attnums.map((n) => t.attnames.get(n) ?? `expression`).join(', ');

/** Reads the catalog and checks every rule above. `plan` is the classification (the self-test passes a variant). */
async function readLayout(c: pg.ClientBase, plan: Plan): Promise<Layout> {
  const problems: string[] = [];
  const { rows: tableRows } = await c.query(`
    SELECT c.oid, n.nspname AS schema, c.relname AS name,
      array_agg(a.attnum ORDER BY a.attnum) AS attnums, array_agg(a.attname::text ORDER BY a.attnum) AS names,
      max(a.attnum) FILTER (WHERE a.attname = $1) AS org_attnum,
      bool_or(a.attnotnull) FILTER (WHERE a.attname = $1) AS org_not_null,
      max(format_type(a.atttypid, a.atttypmod)) FILTER (WHERE a.attname = $1) AS org_type
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
    GROUP BY c.oid, n.nspname, c.relname ORDER BY n.nspname, c.relname`, [DISTRIBUTION_COLUMN]);
  const tables = new Map<number, Table>();
  for (const r of tableRows) {
    const name: string = r.schema === 'public' ? r.name : `${r.schema}.${r.name}`;
    const listed = plan.global[name];
    let kind: Table['kind'];
    if (plan.coordinatorSchemas[r.schema]) kind = 'coordinator';
    else if (r.org_attnum !== null) {
      kind = 'tenant';
      if (listed) problems.push(`${name}: has ${DISTRIBUTION_COLUMN} but is listed as a ${listed.placement} table`);
      if (r.org_type !== 'uuid') problems.push(`${name}: ${DISTRIBUTION_COLUMN} is ${r.org_type}, not uuid (one type colocates every tenant table)`);
      if (!r.org_not_null) problems.push(`${name}: ${DISTRIBUTION_COLUMN} may be NULL (a row must name its shard)`);
    } else if (listed) kind = listed.placement;
    else {
      kind = 'unclassified';
      problems.push(`${name}: no ${DISTRIBUTION_COLUMN} column and not listed in GLOBAL_TABLES (say whether it is a reference or a coordinator table, and why)`);
    }
    const attnames = new Map<number, string>(r.attnums.map((n: number, i: number) => [n, r.names[i]]));
    tables.set(r.oid, { oid: r.oid, name, kind, orgAttnum: r.org_attnum, attnames });
  }

  // Primary keys, UNIQUE and EXCLUDE constraints, and unique indexes that back no constraint.
  const { rows: keys } = await c.query(`
    SELECT k.conrelid AS rel, k.conname AS name, k.contype AS type, k.conkey::int2[] AS attnums
    FROM pg_constraint k WHERE k.contype IN ('p', 'u', 'x') AND k.conrelid <> 0
    UNION ALL
    SELECT i.indrelid, ic.relname, 'i', i.indkey::int2[]
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
    ORDER BY 2`);
  const hasPrimaryKey = new Set<number>();
  const label = { p: 'primary key', u: 'unique constraint', x: 'exclusion constraint', i: 'unique index' } as Record<string, string>;
  for (const k of keys) {
    const t = tables.get(k.rel);
    if (!t || t.kind !== 'tenant') continue;
    if (k.type === 'p') hasPrimaryKey.add(t.oid);
    if (!k.attnums.includes(t.orgAttnum)) problems.push(`${t.name}: ${label[k.type]} ${k.name} (${cols(t, k.attnums)}) lacks ${DISTRIBUTION_COLUMN}`);
  }
  for (const t of tables.values()) {
    if (t.kind === 'tenant' && !hasPrimaryKey.has(t.oid)) problems.push(`${t.name}: no primary key (it must be (${DISTRIBUTION_COLUMN}, ...))`);
  }

  // Foreign keys: which placements may reference which, and tenant -> tenant keys pair org_id with org_id.
  const allowed: Record<string, string[]> = { tenant: ['tenant', 'reference'], reference: ['reference'], coordinator: ['coordinator', 'reference'] };
  const parents = new Map<string, Set<string>>();
  const addParent = (from: Table, to: Table): void => {
    if (from.oid === to.oid) return; // a self-reference orders nothing
    const set = parents.get(from.name) ?? new Set<string>();
    parents.set(from.name, set.add(to.name));
  };
  const { rows: fks } = await c.query(`
    SELECT k.conname AS name, k.conrelid AS rel, k.confrelid AS ref, k.conkey::int2[] AS cols, k.confkey::int2[] AS ref_cols,
      k.confdeltype AS on_delete, k.confupdtype AS on_update
    FROM pg_constraint k WHERE k.contype = 'f' ORDER BY k.conname`);
  for (const fk of fks) {
    const from = tables.get(fk.rel);
    const to = tables.get(fk.ref);
    if (!from || !to || from.kind === 'unclassified' || to.kind === 'unclassified') continue;
    // Citus never changes a distribution column through a foreign key: no SET NULL / SET DEFAULT, no ON UPDATE CASCADE.
    if (from.kind === 'tenant' && fk.cols.includes(from.orgAttnum) && (['n', 'd'].includes(fk.on_delete) || ['n', 'd', 'c'].includes(fk.on_update))) {
      problems.push(`${from.name}: foreign key ${fk.name} would change ${DISTRIBUTION_COLUMN} (ON DELETE SET NULL/DEFAULT or ON UPDATE SET NULL/DEFAULT/CASCADE)`);
    }
    if (!allowed[from.kind]!.includes(to.kind)) {
      problems.push(`${from.name}: foreign key ${fk.name} goes from a ${from.kind} table to ${to.kind} table ${to.name} (Citus cannot check it)`);
      continue;
    }
    if (from.kind !== 'tenant' || to.kind !== 'tenant') {
      if (from.kind === to.kind) addParent(from, to);
      continue;
    }
    const at = fk.cols.indexOf(from.orgAttnum);
    if (at < 0) problems.push(`${from.name}: foreign key ${fk.name} (${cols(from, fk.cols)}) to ${to.name} lacks ${DISTRIBUTION_COLUMN}`);
    else if (fk.ref_cols[at] !== to.orgAttnum) {
      problems.push(`${from.name}: foreign key ${fk.name} pairs ${DISTRIBUTION_COLUMN} with ${to.name}.${cols(to, [fk.ref_cols[at]])}, not ${to.name}.${DISTRIBUTION_COLUMN}`);
    } else addParent(from, to);
  }

  // Policies with a subquery (a SubLink node in the stored expression) on tables that become Citus tables.
  const { rows: policies } = await c.query(`
    SELECT p.polrelid AS rel, p.polname AS name FROM pg_policy p
    WHERE coalesce(p.polqual::text, '') LIKE '%{SUBLINK %' OR coalesce(p.polwithcheck::text, '') LIKE '%{SUBLINK %'`);
  const found = new Set<string>();
  for (const p of policies) {
    const t = tables.get(p.rel);
    if (!t || (t.kind !== 'tenant' && t.kind !== 'reference')) continue;
    const key = `${t.name}.${p.name}`;
    found.add(key);
    if (!plan.policyRewrites[key]) problems.push(`${t.name}: policy ${p.name} has a subquery (Citus refuses to distribute the table; add no new ones)`);
  }
  for (const key of Object.keys(plan.policyRewrites)) {
    if (!found.has(key)) problems.push(`${key}: listed in POLICY_REWRITES but has no subquery (any more): remove it from the list and from docs/scaling.md`);
  }

  const named = (kind: Table['kind']) => [...tables.values()].filter((t) => t.kind === kind).map((t) => t.name);
  const tenant = dependencyOrder(named('tenant'), parents, problems);
  if (tenant.includes(COLOCATION_ANCHOR)) {
    if (parents.get(COLOCATION_ANCHOR)?.size) problems.push(`${COLOCATION_ANCHOR}: the colocation anchor must not reference another tenant table`);
    tenant.splice(tenant.indexOf(COLOCATION_ANCHOR), 1);
    tenant.unshift(COLOCATION_ANCHOR);
  } else problems.push(`${COLOCATION_ANCHOR}: the colocation anchor is not a tenant table`);

  // Functions the policies and triggers call run on the workers too.
  const { rows: fns } = await c.query(`SELECT p.oid::regprocedure::text AS sig FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1`);
  return { problems, reference: dependencyOrder(named('reference'), parents, problems), tenant, functions: fns.map((f) => f.sig) };
}

/** Tables ordered so that each comes after every table it references; ties alphabetical. */
function dependencyOrder(names: string[], parents: Map<string, Set<string>>, problems: string[]): string[] {
  const pending = new Set([...names].sort());
  const out: string[] = [];
  while (pending.size > 0) {
    const ready = [...pending].find((n) => [...(parents.get(n) ?? [])].every((p) => !pending.has(p)));
    if (!ready) {
      // No order distributes a cycle: each table's foreign key needs the other distributed first.
      problems.push(`${[...pending].join(', ')}: foreign keys form a cycle (no table can be distributed first)`);
      return [...out, ...pending];
    }
    out.push(ready);
    pending.delete(ready);
  }
  return out;
}

/** The SQL block docs/scaling.md carries between its citus:begin and citus:end markers. */
function citusScript(layout: Layout): string {
  return [
    '-- The functions policies and triggers call, on every node.',
    ...layout.functions.map((f) => `SELECT create_distributed_function('${f}');`),
    '-- Global tables every tenant query may join: a full copy on every node.',
    ...layout.reference.map((t) => `SELECT create_reference_table('${t}');`),
    `-- Tenant tables, by ${DISTRIBUTION_COLUMN}, in one colocation group (a referenced table first).`,
    ...layout.tenant.map((t, i) => `SELECT create_distributed_table('${t}', '${DISTRIBUTION_COLUMN}', colocate_with => '${i === 0 ? 'none' : COLOCATION_ANCHOR}');`),
  ].join('\n');
}

const ownerUrl = (): string => process.env.TP_TEST_OWNER_URL!;

async function withClient<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ownerUrl() });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

test('every table is placed, and tenant keys, foreign keys and policies can be distributed by org_id', async () => {
  const layout = await withClient((c) => readLayout(c, PLAN));
  expect(layout.problems).toEqual([]);
  // A smoke check that the catalog reading found the schema: the tenant tables, and the two reference tables.
  expect(layout.tenant.length).toBeGreaterThanOrEqual(25);
  expect(layout.reference).toEqual(['organizations', 'users']);
  expect(layout.tenant.indexOf('attestations')).toBeLessThan(layout.tenant.indexOf('bridge_letters'));
  expect(layout.tenant.indexOf('documents')).toBeLessThan(layout.tenant.indexOf('document_versions'));
});

test('docs/scaling.md carries the distribution script this schema needs, exactly', async () => {
  const layout = await withClient((c) => readLayout(c, PLAN));
  const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'scaling.md'), 'utf8');
  const block = /<!-- citus:begin -->\n```sql\n([\s\S]*?)\n```\n<!-- citus:end -->/.exec(doc);
  expect(block?.[1]).toBe(citusScript(layout));
  for (const key of Object.keys(POLICY_REWRITES)) expect(doc).toContain(`\`${key.split('.')[1]}\``);
});

test('the checker flags each kind of table that would break distribution (probe tables, rolled back)', async () => {
  const problems = await withClient(async (c) => {
    await c.query('BEGIN');
    try {
      // A tenant table keyed by id alone, with a nullable text org_id.
      await c.query(`CREATE TABLE tp_probe_loose (org_id text, id uuid NOT NULL, CONSTRAINT tp_probe_loose_pkey PRIMARY KEY (id))`);
      // A tenant table whose unique index, foreign keys and policy break the rules.
      await c.query(`CREATE TABLE tp_probe_child (org_id uuid NOT NULL, id uuid NOT NULL, loose_id uuid, document_id uuid, slug text,
        CONSTRAINT tp_probe_child_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT tp_probe_child_loose_fkey FOREIGN KEY (loose_id) REFERENCES tp_probe_loose (id),
        CONSTRAINT tp_probe_child_document_fkey FOREIGN KEY (org_id, document_id) REFERENCES documents (id, org_id),
        CONSTRAINT tp_probe_child_org_fkey FOREIGN KEY (org_id) REFERENCES organizations (id) ON UPDATE CASCADE)`);
      await c.query(`CREATE UNIQUE INDEX tp_probe_child_slug_key ON tp_probe_child (slug)`);
      await c.query(`CREATE POLICY tp_probe_child_sub ON tp_probe_child USING (EXISTS (SELECT 1 FROM documents d WHERE d.org_id = tp_probe_child.org_id))`);
      // Two tenant tables whose foreign keys reference each other.
      await c.query(`CREATE TABLE tp_probe_egg (org_id uuid NOT NULL, id uuid NOT NULL, hen_id uuid, PRIMARY KEY (org_id, id))`);
      await c.query(`CREATE TABLE tp_probe_hen (org_id uuid NOT NULL, id uuid NOT NULL, egg_id uuid, PRIMARY KEY (org_id, id),
        FOREIGN KEY (org_id, egg_id) REFERENCES tp_probe_egg (org_id, id))`);
      await c.query(`ALTER TABLE tp_probe_egg ADD FOREIGN KEY (org_id, hen_id) REFERENCES tp_probe_hen (org_id, id)`);
      // A tenant table with no primary key.
      await c.query(`CREATE TABLE tp_probe_heap (org_id uuid NOT NULL, note text)`);
      // A global table nobody placed, and one placed as a reference table that references a tenant table.
      await c.query(`CREATE TABLE tp_probe_stray (id uuid PRIMARY KEY)`);
      await c.query(`CREATE TABLE tp_probe_shared (id uuid PRIMARY KEY, child_org uuid, child_id uuid,
        CONSTRAINT tp_probe_shared_child_fkey FOREIGN KEY (child_org, child_id) REFERENCES tp_probe_child (org_id, id))`);
      const plan: Plan = {
        ...PLAN,
        global: { ...GLOBAL_TABLES, tp_probe_shared: { placement: 'reference', why: 'probe' } },
        policyRewrites: { ...POLICY_REWRITES, 'documents.documents_select': 'probe: a stale entry' },
      };
      return (await readLayout(c, plan)).problems;
    } finally {
      await c.query('ROLLBACK');
    }
  });
  expect(problems.sort()).toEqual([
    'documents.documents_select: listed in POLICY_REWRITES but has no subquery (any more): remove it from the list and from docs/scaling.md',
    'tp_probe_child: foreign key tp_probe_child_document_fkey pairs org_id with documents.id, not documents.org_id',
    'tp_probe_child: foreign key tp_probe_child_loose_fkey (loose_id) to tp_probe_loose lacks org_id',
    'tp_probe_child: foreign key tp_probe_child_org_fkey would change org_id (ON DELETE SET NULL/DEFAULT or ON UPDATE SET NULL/DEFAULT/CASCADE)',
    'tp_probe_child: policy tp_probe_child_sub has a subquery (Citus refuses to distribute the table; add no new ones)',
    'tp_probe_child: unique index tp_probe_child_slug_key (slug) lacks org_id',
    'tp_probe_egg, tp_probe_hen: foreign keys form a cycle (no table can be distributed first)',
    'tp_probe_heap: no primary key (it must be (org_id, ...))',
    'tp_probe_loose: org_id is text, not uuid (one type colocates every tenant table)',
    'tp_probe_loose: org_id may be NULL (a row must name its shard)',
    'tp_probe_loose: primary key tp_probe_loose_pkey (id) lacks org_id',
    'tp_probe_shared: foreign key tp_probe_shared_child_fkey goes from a reference table to tenant table tp_probe_child (Citus cannot check it)',
    'tp_probe_stray: no org_id column and not listed in GLOBAL_TABLES (say whether it is a reference or a coordinator table, and why)',
  ]);
  // Nothing was left behind.
  const after = await withClient((c) => readLayout(c, PLAN));
  expect(after.problems).toEqual([]);
});
