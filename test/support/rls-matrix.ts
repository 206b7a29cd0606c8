import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';

/**
 * The RLS matrix (issue 11, item 9): every table the catalog lists is checked for what the app role can read and write
 * in it, acting for a tenant and as a visitor, with rows of several tenants present. Nothing here names a table's
 * policies: the tables, their columns, keys, foreign keys, enum checks and grants come from the catalog, so a new
 * table is covered (or fails loudly) without editing this file.
 *
 * Everything runs in ONE transaction of a superuser connection that is rolled back at the end: rows are seeded as the
 * superuser (it bypasses RLS), and each probe runs in a savepoint after `SET LOCAL ROLE trust_portal_app` with the
 * transaction-local settings the app sets, then is rolled back. Nothing is committed, so other tests never see the
 * seeded rows, and a policy can be loosened inside the same transaction (the mutation test) without anyone else
 * seeing it.
 */

export const APP_ROLE = 'trust_portal_app';

/** Tables without an org_id that are not the tenant itself: people, and shared caches that hold no tenant data. */
export const NON_TENANT_TABLES: Record<string, string> = {
  users: 'people: a user sees themself and the members of their current org, and edits only themself',
  persisted_queries: 'shared cache of query texts by hash, written outside any identity',
};

interface Column {
  name: string;
  typname: string;
  typmod: number;
  category: string;
  notNull: boolean;
  hasDefault: boolean;
  generated: boolean;
}

export interface TableInfo {
  name: string;
  /** The column naming the owning tenant: org_id, or id for organizations; null for users and shared tables. */
  key: string | null;
  columns: Column[];
  enums: Map<string, string[]>;
  fks: { cols: string[]; ref: string; refCols: string[] }[];
  uniqueCols: Set<string>;
  canSelect: boolean;
  canInsert: boolean;
  canDelete: boolean;
  updatable: Set<string>;
  /** A restrictive SELECT policy under app.visitor hides some of the tenant's rows from visitors. */
  visitorWall: boolean;
}

export interface PolicyInfo {
  table: string;
  name: string;
  cmd: 'r' | 'a' | 'w' | 'd' | '*';
  permissive: boolean;
  qual: string | null;
  check: string | null;
}

export interface Catalog {
  tables: Map<string, TableInfo>;
  policies: PolicyInfo[];
}

type Row = Record<string, unknown>;

/** The schema as the catalog describes it. Read once before any policy is loosened (it is the baseline). */
export async function readCatalog(c: pg.ClientBase): Promise<Catalog> {
  const cols = await c.query(`
    SELECT cl.relname AS table, a.attname AS name, t.typname, a.atttypmod AS typmod, t.typcategory AS category,
           a.attnotnull AS not_null, a.atthasdef AS has_default, a.attgenerated <> '' AS generated
    FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
      JOIN pg_type t ON t.oid = a.atttypid
    WHERE n.nspname = 'public' AND cl.relkind = 'r' AND cl.relname <> 'migrations' AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY cl.relname, a.attnum`);
  const tables = new Map<string, TableInfo>();
  for (const r of cols.rows) {
    let t = tables.get(r.table);
    if (!t) {
      t = { name: r.table, key: null, columns: [], enums: new Map(), fks: [], uniqueCols: new Set(), canSelect: false, canInsert: false, canDelete: false, updatable: new Set(), visitorWall: false };
      tables.set(r.table, t);
    }
    t.columns.push({ name: r.name, typname: r.typname, typmod: r.typmod, category: r.category, notNull: r.not_null, hasDefault: r.has_default, generated: r.generated });
  }
  for (const t of tables.values()) {
    t.key = t.columns.some((col) => col.name === 'org_id') ? 'org_id' : t.name === 'organizations' ? 'id' : null;
  }
  const checks = await c.query(`
    SELECT cl.relname AS table, pg_get_constraintdef(k.oid) AS def, (SELECT array_agg(a.attname::text) FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)) AS cols
    FROM pg_constraint k JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
    WHERE n.nspname = 'public' AND k.contype = 'c'`);
  for (const r of checks.rows) {
    const t = tables.get(r.table);
    const m = /\((\w+) = ANY \(ARRAY\[(.*?)\]\)\)/.exec(r.def);
    if (!t || !m || r.cols.length !== 1) continue;
    t.enums.set(m[1]!, [...m[2]!.matchAll(/'([^']*)'::/g)].map((v) => v[1]!));
  }
  const fks = await c.query(`
    SELECT cl.relname AS table, rc.relname AS ref,
      (SELECT array_agg(a.attname::text ORDER BY x.i) FROM unnest(k.conkey) WITH ORDINALITY x(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.n) AS cols,
      (SELECT array_agg(a.attname::text ORDER BY x.i) FROM unnest(k.confkey) WITH ORDINALITY x(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.n) AS ref_cols
    FROM pg_constraint k JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class rc ON rc.oid = k.confrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
    WHERE n.nspname = 'public' AND k.contype = 'f'`);
  for (const r of fks.rows) tables.get(r.table)?.fks.push({ cols: r.cols, ref: r.ref, refCols: r.ref_cols });
  const uniques = await c.query(`
    SELECT cl.relname AS table, a.attname AS col
    FROM pg_index i JOIN pg_class cl ON cl.oid = i.indrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
    WHERE n.nspname = 'public' AND i.indisunique`);
  for (const r of uniques.rows) tables.get(r.table)?.uniqueCols.add(r.col);
  for (const t of tables.values()) {
    const p = await c.query(
      `SELECT has_table_privilege($1, $2, 'SELECT') AS s, has_table_privilege($1, $2, 'INSERT') AS i, has_table_privilege($1, $2, 'DELETE') AS d,
        ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = $2::regclass AND a.attnum > 0 AND NOT a.attisdropped
          AND has_column_privilege($1, $2, a.attname, 'UPDATE')) AS u`,
      [APP_ROLE, `public.${t.name}`],
    );
    t.canSelect = p.rows[0].s;
    t.canInsert = p.rows[0].i;
    t.canDelete = p.rows[0].d;
    t.updatable = new Set(p.rows[0].u);
  }
  const pols = await c.query(`
    SELECT cl.relname AS table, p.polname AS name, p.polcmd AS cmd, p.polpermissive AS permissive,
      pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS check
    FROM pg_policy p JOIN pg_class cl ON cl.oid = p.polrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
    WHERE n.nspname = 'public' ORDER BY 1, 2`);
  const policies: PolicyInfo[] = pols.rows;
  for (const p of policies) {
    if (!p.permissive && p.cmd === 'r' && /app_is_visitor\(\)/.test(p.qual ?? '')) tables.get(p.table)!.visitorWall = true;
  }
  return { tables, policies };
}

// ---- seeding ----------------------------------------------------------------------------------------------------

export interface Seed {
  /** The tenant acting and visited: several rows in every table. */
  x: string;
  /** The other tenant: several rows in every table. */
  y: string;
  /** A tenant with exactly one row per table: the unfiltered UPDATE/DELETE probes act as it. */
  z: string;
  /** The visitor's customer organization, and another one. */
  customer: string;
  otherCustomer: string;
  users: Record<'x' | 'y' | 'z' | 'customer' | 'otherCustomer', string>;
  rows: Map<string, Map<string, Row[]>>;
}

const hex = (n: number): string => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);

/** A value for a NOT NULL column without a default, by type; `i` keeps integers fresh (versions, sequence numbers). */
function valueFor(table: string, col: Column, i: number): unknown {
  switch (col.typname) {
    case 'uuid': return randomUUID();
    case 'text': case 'varchar': return `rls-${table}-${col.name}-${hex(8)}`;
    case 'bpchar': return hex(col.typmod > 4 ? col.typmod - 4 : 1);
    case 'int2': case 'int4': case 'int8': case 'numeric': return i + 1;
    case 'bool': return false;
    case 'date': return '2025-01-01';
    case 'timestamptz': case 'timestamp': return new Date();
    case 'jsonb': case 'json': return '{}';
    default:
      if (col.category === 'A') return '{}';
      throw new Error(`cannot make a value for ${table}.${col.name} (${col.typname}): extend valueFor in test/support/rls-matrix.ts`);
  }
}

/** One row of `table` for `tenant` (null: a shared table), its parents taken from the rows seeded for that tenant. */
export function buildRow(cat: Catalog, seed: Pick<Seed, 'rows'>, table: string, tenant: string | null, i: number): Row {
  const t = cat.tables.get(table)!;
  const row: Row = {};
  for (const fk of t.fks) {
    const parents = seed.rows.get(fk.ref)?.get(tenant ?? '') ?? [];
    if (parents.length === 0) throw new Error(`no ${fk.ref} row seeded for a ${table} row of ${tenant}`);
    const parent = parents[i % parents.length]!;
    fk.cols.forEach((col, n) => { row[col] = parent[fk.refCols[n]!]; });
  }
  for (const col of t.columns) {
    if (col.generated || col.name in row) continue;
    if (col.name === t.key) row[col.name] = tenant;
    else if (t.enums.has(col.name)) row[col.name] = t.enums.get(col.name)![i % t.enums.get(col.name)!.length];
    else if (col.notNull && !col.hasDefault) row[col.name] = valueFor(table, col, i);
  }
  return row;
}

export function insertSql(table: string, row: Row, suffix = ''): { text: string; values: unknown[] } {
  const cols = Object.keys(row);
  return {
    text: `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, n) => `$${n + 1}`).join(', ')}) ${suffix}`,
    values: Object.values(row),
  };
}

/** Tables in an order where every foreign key's parent comes first. */
function fkOrder(cat: Catalog): string[] {
  const order: string[] = [];
  const visit = (name: string, path: string[]): void => {
    if (order.includes(name)) return;
    if (path.includes(name)) throw new Error(`foreign-key cycle: ${[...path, name].join(' -> ')}`);
    for (const fk of cat.tables.get(name)!.fks) if (fk.ref !== name) visit(fk.ref, [...path, name]);
    order.push(name);
  };
  for (const name of [...cat.tables.keys()].sort()) visit(name, []);
  return order;
}

/**
 * As the superuser (no RLS), inside the caller's transaction: five organizations and their users, then rows in every
 * table: x and y get one row per value of the table's widest enum check (so a visitor wall has rows to hide and rows
 * to show), z gets one. Rows that would break a unique index (one trust center per org) are skipped.
 */
export async function seed(c: pg.ClientBase, cat: Catalog): Promise<Seed> {
  const { rows: [{ su }] } = await c.query(`SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user`);
  if (!su) throw new Error('the RLS matrix seeds as a superuser (it bypasses RLS): connect as one');
  const orgs = { x: randomUUID(), y: randomUUID(), z: randomUUID(), customer: randomUUID(), otherCustomer: randomUUID() };
  const rows = new Map<string, Map<string, Row[]>>();
  const keep = (table: string, tenant: string | null, row: Row): void => {
    if (!rows.has(table)) rows.set(table, new Map());
    const m = rows.get(table)!;
    m.set(tenant ?? '', [...(m.get(tenant ?? '') ?? []), row]);
  };
  const users = {} as Seed['users'];
  for (const [who, id] of Object.entries(orgs) as [keyof typeof orgs, string][]) {
    const org = await c.query(insertSql('organizations', { id, slug: `rls-${who.toLowerCase()}-${hex(10)}`, name: `RLS matrix ${who}` }, 'RETURNING *'));
    keep('organizations', id, org.rows[0]);
    const user = await c.query(insertSql('users', { subject: `rls|${who}|${hex(10)}`, email: `rls-${hex(8)}@example.test` }, 'RETURNING *'));
    users[who] = user.rows[0].id;
    keep('users', id, user.rows[0]);
  }
  for (const table of fkOrder(cat)) {
    if (table === 'organizations' || table === 'users') continue;
    const t = cat.tables.get(table)!;
    const widest = Math.max(1, ...[...t.enums.values()].map((v) => v.length));
    const plan: [string | null, number][] = t.key
      ? [...Array.from({ length: widest }, (_, i) => [orgs.x, i] as [string, number]), ...Array.from({ length: widest }, (_, i) => [orgs.y, i] as [string, number]), [orgs.z, 0]]
      : [[null, 0]];
    for (const [tenant, i] of plan) {
      const row = buildRow(cat, { rows }, table, tenant, i);
      let inserted;
      try {
        inserted = await c.query(insertSql(table, row, 'ON CONFLICT DO NOTHING RETURNING *'));
      } catch (error) {
        throw new Error(`cannot seed ${table} (${(error as Error).message}): extend buildRow in test/support/rls-matrix.ts`);
      }
      // A trigger may have made the tenant's row with its parent (vendor_evidence_versions with the trust center,
      // vendor_status_current with the watch): then that row is the one the probes use.
      if (!inserted.rows[0] && i === 0 && t.key && tenant) inserted = await c.query(`SELECT * FROM "${table}" WHERE "${t.key}" = $1 LIMIT 1`, [tenant]);
      if (inserted.rows[0]) keep(table, tenant, inserted.rows[0]);
      else if (i === 0) throw new Error(`cannot seed a first ${table} row for ${tenant}`);
    }
  }
  return { ...orgs, users, rows };
}

// ---- probes -----------------------------------------------------------------------------------------------------

/** The transaction-local settings of src/db/database.ts. */
export interface Settings {
  org_id?: string;
  user_id?: string;
  subject?: string;
  customer_org_id?: string;
  visitor?: boolean;
}

const SETTINGS = ['org_id', 'user_id', 'subject', 'org_slug', 'customer_org_id', 'document_id', 'public_reads', 'fanout_vendor_id', 'system_sweep', 'api_key_id', 'visitor', 'invitation_token_hash'];

export type Outcome = { ok: true; rowCount: number; rows: Row[] } | { ok: false; code: string; message: string };

/**
 * Runs one statement as the app role with the given settings (all others empty), then undoes everything it did,
 * including any `prepare` work done as the superuser first.
 */
export async function probe(c: pg.ClientBase, settings: Settings, sql: string, values: unknown[] = [], prepare?: () => Promise<void>): Promise<Outcome> {
  await c.query('SAVEPOINT probe');
  try {
    if (prepare) await prepare();
    await c.query(`SET LOCAL ROLE ${APP_ROLE}`);
    const given: Record<string, string> = {
      org_id: settings.org_id ?? '', user_id: settings.user_id ?? '', subject: settings.subject ?? '', customer_org_id: settings.customer_org_id ?? '', visitor: settings.visitor ? 'on' : '',
    };
    await c.query(`SELECT ${SETTINGS.map((s, n) => `set_config('app.${s}', $${n + 1}, true)`).join(', ')}`, SETTINGS.map((s) => given[s] ?? ''));
    const r = await c.query(sql, values);
    return { ok: true, rowCount: r.rowCount ?? 0, rows: r.rows };
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { ok: false, code: e.code ?? '?', message: e.message };
  } finally {
    await c.query('ROLLBACK TO SAVEPOINT probe');
    await c.query('RELEASE SAVEPOINT probe');
  }
}

/**
 * The probed table's own policy refused: a refusal by a table a trigger writes to (vendor_evidence_versions, bumped
 * by attestation writes) does not count, or it would hide a loosened policy of the probed table.
 */
const rlsRefusal = (o: Outcome, table: string): boolean => {
  if (o.ok || o.code !== '42501' || !/row-level security/.test(o.message)) return false;
  const named = /for table "([^"]+)"/.exec(o.message);
  return !named || named[1] === table;
};
/** No grant for the command: the grant is the wall. (A trigger's refusal, also 42501, does not count: it hides rows reached.) */
const denied = (o: Outcome): boolean => !o.ok && o.code === '42501' && /^permission denied for table/.test(o.message);
const refused = (o: Outcome, table: string): boolean => rlsRefusal(o, table) || denied(o);
const show = (o: Outcome): string => (o.ok ? `${o.rowCount} row(s)` : `${o.code} ${o.message}`);

/** A constant for an unfiltered UPDATE that reads no column (so only the UPDATE policies apply, not the SELECT ones). */
function updateTarget(t: TableInfo): { col: string; expr: string } | null {
  const candidates = t.columns.filter((col) => t.updatable.has(col.name) && col.name !== t.key && !t.uniqueCols.has(col.name) && !col.generated);
  const pick = candidates.find((col) => col.typname === 'timestamptz') ?? candidates.find((col) => !col.notNull) ?? candidates[0];
  if (!pick) return null;
  if (pick.typname === 'timestamptz' || pick.typname === 'timestamp') return { col: pick.name, expr: 'now()' };
  if (!pick.notNull) return { col: pick.name, expr: 'NULL' };
  if (t.enums.has(pick.name)) return { col: pick.name, expr: `'${t.enums.get(pick.name)![0]}'` };
  const simple: Record<string, string> = { bool: 'false', int2: '1', int4: '1', int8: '1', date: `'2025-01-01'`, jsonb: `'{}'`, text: `'rls-matrix'` };
  return { col: pick.name, expr: simple[pick.typname] ?? (pick.category === 'A' ? `'{}'` : 'DEFAULT') };
}

/** A customer write a visitor may make: the row it may insert, and rows (each named) it must not. */
export interface VisitorWrite {
  own(s: Seed, owner: pg.ClientBase): Promise<{ row: Row; prepare?: () => Promise<void> }>;
  refused: Record<string, (s: Seed, owner: pg.ClientBase) => Promise<{ row: Row; prepare?: () => Promise<void> }>>;
}

export interface MatrixOptions {
  /** Check only these tables (the mutation test checks the table whose policy it loosened). */
  only?: string[];
  /** The inserts a visitor may make, by table (anything else a visitor inserts must be refused). */
  visitorWrites: Record<string, VisitorWrite>;
}

/** Every check for every table; returns what failed (empty: the database kept every tenant and visitor in place). */
export async function runMatrix(c: pg.ClientBase, cat: Catalog, s: Seed, options: MatrixOptions): Promise<string[]> {
  const failures: string[] = [];
  const fail = (table: string, what: string, o: Outcome | string): void => { failures.push(`${table}: ${what} -> ${typeof o === 'string' ? o : show(o)}`); };
  const memberOf = (org: string, user: string): Settings => ({ org_id: org, user_id: user });
  const asX = memberOf(s.x, s.users.x);
  const asZ = memberOf(s.z, s.users.z);
  const visitor: Settings = { org_id: s.x, user_id: s.users.customer, customer_org_id: s.customer, visitor: true };
  const ownerCount = async (sql: string, values: unknown[]): Promise<number> => Number((await c.query(sql, values)).rows[0].n);
  let fresh = 1000;

  const who = await probe(c, asX, `SELECT current_user AS u, (SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user) AS bypass`);
  if (!who.ok || who.rows[0]!.u !== APP_ROLE || who.rows[0]!.bypass !== false) return [`probes do not run as ${APP_ROLE} without bypass: ${JSON.stringify(who)}`];

  for (const t of cat.tables.values()) {
    if (options.only && !options.only.includes(t.name)) continue;
    const q = `"${t.name}"`;
    const target = updateTarget(t);

    // A tenant's member: reads its own rows and no one else's; writes only its own.
    if (t.key) {
      const k = `"${t.key}"`;
      const own = await ownerCount(`SELECT count(*) AS n FROM ${q} WHERE ${k} = $1`, [s.x]);
      const seen = await probe(c, asX, `SELECT count(*) FILTER (WHERE ${k} = $1)::int AS own, count(*) FILTER (WHERE ${k} IS DISTINCT FROM $1)::int AS other FROM ${q}`, [s.x]);
      if (!seen.ok || seen.rows[0]!.other !== 0) fail(t.name, 'member of X reads rows of other tenants', seen.ok ? `${seen.rows[0]!.other} row(s)` : seen);
      else if (seen.rows[0]!.own !== own) fail(t.name, `member of X reads its own ${own} row(s)`, `${seen.rows[0]!.own} row(s)`);

      const zOwn = await ownerCount(`SELECT count(*) AS n FROM ${q} WHERE ${k} = $1`, [s.z]);
      if (target) {
        const u = await probe(c, asZ, `UPDATE ${q} SET "${target.col}" = ${target.expr}`);
        if (!u.ok || u.rowCount !== zOwn) fail(t.name, `unfiltered UPDATE by a member of Z touches only Z's ${zOwn} row(s)`, u);
      }
      if (t.canDelete) {
        const d = await probe(c, asZ, `DELETE FROM ${q}`);
        if (!d.ok || d.rowCount !== zOwn) fail(t.name, `unfiltered DELETE by a member of Z touches only Z's ${zOwn} row(s)`, d);
      }
      const move = await probe(c, asZ, `UPDATE ${q} SET ${k} = $1`, [s.y]);
      if (!refused(move, t.name)) fail(t.name, `member of Z moves its row to Y (UPDATE SET ${t.key} = Y)`, move);

      const intoY = insertSql(t.name, buildRow(cat, s, t.name, s.y, fresh++));
      const iy = await probe(c, asX, intoY.text, intoY.values);
      if (!rlsRefusal(iy, t.name)) fail(t.name, `member of X inserts a row with ${t.key} = Y`, iy);
      const intoX = insertSql(t.name, buildRow(cat, s, t.name, s.x, fresh++));
      const ix = await probe(c, asX, intoX.text, intoX.values);
      if (refused(ix, t.name)) fail(t.name, 'member of X inserts a row of its own (the control; a unique or foreign key error is fine)', ix);

      const vOther = await probe(c, visitor, `SELECT count(*)::int AS n FROM ${q} WHERE ${k} IS DISTINCT FROM $1`, [s.x]);
      if (!vOther.ok || vOther.rows[0]!.n !== 0) fail(t.name, "visitor in X reads other tenants' rows", vOther.ok ? `${vOther.rows[0]!.n} row(s)` : vOther);
      if (t.visitorWall) {
        const v = await probe(c, visitor, `SELECT count(*)::int AS n FROM ${q} WHERE ${k} = $1`, [s.x]);
        if (!v.ok || Number(v.rows[0]!.n) >= own) fail(t.name, `the visitor wall hides some of X's ${own} row(s)`, v.ok ? `the visitor reads ${v.rows[0]!.n}` : v);
      }
    } else if (t.name === 'users') {
      const expected = await ownerCount(
        `SELECT count(*) AS n FROM users u WHERE u.id = $2 OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.org_id = $1)`, [s.x, s.users.x]);
      const seen = await probe(c, asX, `SELECT count(*)::int AS n FROM users`);
      if (!seen.ok || seen.rows[0]!.n !== expected) fail(t.name, `member of X reads itself and X's members (${expected})`, seen.ok ? `${seen.rows[0]!.n} row(s)` : seen);
      if (target) {
        const u = await probe(c, asZ, `UPDATE users SET "${target.col}" = ${target.expr}`);
        if (!u.ok || u.rowCount !== 1) fail(t.name, 'unfiltered UPDATE by a user touches only that user', u);
      }
      const other = insertSql('users', buildRow(cat, s, 'users', null, fresh++));
      const i = await probe(c, asX, other.text, other.values);
      if (!rlsRefusal(i, t.name)) fail(t.name, 'a member inserts a user for a subject other than its token\'s', i);
    } else if (!(t.name in NON_TENANT_TABLES)) {
      fail(t.name, 'classified', 'no org_id and not listed in NON_TENANT_TABLES: give it an org_id or say why it is shared');
    }

    // A visitor in X writes nothing, except its own customer rows where a customer flow must write.
    const built = buildRow(cat, s, t.name, t.key ? s.x : null, fresh++);
    const row = insertSql(t.name, built);
    // A user row is the visitor's own on first sight (app.subject names it): still not a visitor's to write.
    const vi = await probe(c, t.name === 'users' ? { ...visitor, subject: String(built.subject) } : visitor, row.text, row.values);
    if (!rlsRefusal(vi, t.name)) fail(t.name, 'visitor in X inserts a row', vi);
    if (target) {
      const vu = await probe(c, visitor, `UPDATE ${q} SET "${target.col}" = ${target.expr}`);
      if (!(vu.ok ? vu.rowCount === 0 : denied(vu))) fail(t.name, 'visitor in X updates rows', vu);
    }
    if (t.canDelete) {
      const vd = await probe(c, visitor, `DELETE FROM ${q}`);
      if (!(vd.ok ? vd.rowCount === 0 : denied(vd))) fail(t.name, 'visitor in X deletes rows', vd);
    }
    const allowed = options.visitorWrites[t.name];
    if (allowed) {
      const own = await allowed.own(s, c);
      const sql = insertSql(t.name, { ...buildRow(cat, s, t.name, s.x, fresh++), ...own.row });
      const o = await probe(c, visitor, sql.text, sql.values, own.prepare);
      if (!o.ok || o.rowCount !== 1) fail(t.name, 'visitor in X inserts its own customer row', o);
      for (const [name, make] of Object.entries(allowed.refused)) {
        const bad = await make(s, c);
        const b = insertSql(t.name, { ...buildRow(cat, s, t.name, s.x, fresh++), ...bad.row });
        const r = await probe(c, visitor, b.text, b.values, bad.prepare);
        if (!rlsRefusal(r, t.name)) fail(t.name, `visitor in X inserts ${name}`, r);
      }
    }
  }
  for (const table of Object.keys(options.visitorWrites)) if (!cat.tables.has(table)) failures.push(`${table}: listed as a visitor write but not in the schema`);
  return failures;
}

/**
 * Inside the caller's transaction, as the superuser: a policy made to admit everything. USING (true) for what it
 * reads, WITH CHECK (true) for what it writes, each where its command has one.
 */
export function loosen(p: PolicyInfo): string {
  const using = p.cmd !== 'a' ? ' USING (true)' : '';
  const check = p.cmd === 'a' || p.cmd === 'w' || p.cmd === '*' ? ' WITH CHECK (true)' : '';
  return `ALTER POLICY "${p.name}" ON "${p.table}"${using}${check}`;
}

/** A policy whose commands the app role holds no grant for cannot change what the app role may do. */
export function inert(p: PolicyInfo, cat: Catalog): boolean {
  const t = cat.tables.get(p.table)!;
  const granted = { r: t.canSelect, a: t.canInsert, w: t.updatable.size > 0, d: t.canDelete, '*': t.canSelect || t.canInsert || t.updatable.size > 0 || t.canDelete };
  return !granted[p.cmd];
}
