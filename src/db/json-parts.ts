import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * Reads made of JSON parts (issue 16, item 1): a part is one SQL expression of type json plus the function that turns
 * its value back into what the module's code works with. Parts from several modules are selected side by side in ONE
 * statement (`selectParts`), so a page that needs a trust center, its NDA, subprocessors, reports and documents costs
 * one round trip instead of seven, while each module still writes the SQL over its own tables.
 *
 * A module's ordinary read runs the same part alone, so there is one SQL text per read, not a JSON copy of it.
 */
export interface JsonPart<T> {
  /** The SQL expression (type json, may be NULL), its parameters added to `params`. */
  sql(params: SqlParams): string;
  /** The expression's value as `pg` parsed it (objects, arrays, strings, numbers, null) into the module's shape. */
  decode(value: unknown, m: EntityManager): T;
}

/** Numbered parameters shared by the parts of one statement. */
export class SqlParams {
  readonly values: unknown[] = [];

  /** Adds a value; returns its placeholder ($n). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

type Decoded<P extends Record<string, JsonPart<unknown>>> = { [K in keyof P]: P[K] extends JsonPart<infer T> ? T : never };

/** A part that reads nothing (null): in the place of a check the caller does not need this time. */
export const NO_PART: JsonPart<null> = { sql: () => 'SELECT NULL::json', decode: () => null };

/** One part alone: a module's ordinary read. */
export async function selectPart<T>(m: EntityManager, part: JsonPart<T>): Promise<T> {
  return (await selectParts(m, { part })).part;
}

/** Selects every part in one statement: `SELECT (part a) AS "a", (part b) AS "b"`. */
export async function selectParts<P extends Record<string, JsonPart<unknown>>>(m: EntityManager, parts: P): Promise<Decoded<P>> {
  const params = new SqlParams();
  const keys = Object.keys(parts);
  if (keys.length === 0) return {} as Decoded<P>;
  const columns = keys.map((key, i) => `(${parts[key]!.sql(params)}) AS p${i}`);
  const [row] = (await m.query(`SELECT ${columns.join(', ')}`, params.values)) as Record<string, unknown>[];
  const out: Record<string, unknown> = {};
  keys.forEach((key, i) => (out[key] = parts[key]!.decode(row?.[`p${i}`] ?? null, m)));
  return out as Decoded<P>;
}

/**
 * A part of several rows (`[]` when none): `rowsSql` is a SELECT; `order` orders the aggregate over its output columns
 * as `r.<column>` (an aggregate does not promise its input's order, so a paged SELECT states it twice). `null`: in the
 * order the rows come (for a read whose callers never relied on one).
 */
export function rowsPart<T>(rowsSql: (params: SqlParams) => string, order: string | null, decode: (row: Record<string, unknown>, m: EntityManager) => T): JsonPart<T[]> {
  return {
    sql: (params) => `SELECT coalesce(json_agg(r${order ? ` ORDER BY ${order}` : ''}), '[]'::json) FROM (${rowsSql(params)}) r`,
    decode: (value, m) => (value as Record<string, unknown>[]).map((row) => decode(row, m)),
  };
}

/** A part of at most one row (`null` when none). */
export function rowPart<T>(rowSql: (params: SqlParams) => string, decode: (row: Record<string, unknown>, m: EntityManager) => T): JsonPart<T | null> {
  return {
    sql: (params) => `SELECT row_to_json(r) FROM (${rowSql(params)}) r`,
    decode: (value, m) => (value === null ? null : decode(value as Record<string, unknown>, m)),
  };
}

const TIMESTAMP_TYPES = new Set<unknown>(['timestamptz', 'timestamp', 'timestamp with time zone', 'timestamp without time zone', 'datetime', Date]);
const EXACT_NUMBER_TYPES = new Set<unknown>(['bigint', 'int8', 'numeric', 'decimal']);

/** One column's JSON value as TypeORM would have hydrated the row the driver returned. */
function columnValue(column: ColumnMetadata, value: unknown): unknown {
  let v = value;
  if (v !== null && v !== undefined) {
    if (TIMESTAMP_TYPES.has(column.type)) v = new Date(v as string);
    else if (EXACT_NUMBER_TYPES.has(column.type)) {
      // pg returns these as strings; JSON gives a number, exact only up to 2^53.
      if (typeof v === 'number' && !Number.isSafeInteger(v) && column.type !== 'numeric' && column.type !== 'decimal') {
        throw new Error(`${column.entityMetadata.tableName}.${column.databaseName} = ${v} is beyond what JSON keeps exactly`);
      }
      v = String(v);
    }
    // date ('YYYY-MM-DD'), text, uuid, integer, boolean, arrays and jsonb arrive as the driver would give them.
  }
  if (!column.transformer) return v ?? null;
  const transformers = Array.isArray(column.transformer) ? column.transformer : [column.transformer];
  return transformers.reduceRight((acc, t) => t.from(acc), v ?? null);
}

/**
 * A table row as `row_to_json` gives it (keys are column names) made into the entity TypeORM would have loaded.
 * Only the entity's own columns are read; a column the row lacks is left undefined (as with a partial select).
 */
export function entityFromJson<E extends ObjectLiteral>(m: EntityManager, target: EntityTarget<E>, row: Record<string, unknown>): E {
  const metadata = m.connection.getMetadata(target);
  const entity = metadata.create(undefined, { fromDeserializer: true }) as E;
  for (const column of metadata.columns) {
    if (!(column.databaseName in row)) continue;
    column.setEntityValue(entity, columnValue(column, row[column.databaseName]));
  }
  return entity;
}
