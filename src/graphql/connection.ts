import type { ClassType } from 'type-graphql';
import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { IsOptional, Max, Min } from 'class-validator';
import { appError } from './errors';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

@ObjectType({ description: 'Where a page sits in its list (Relay cursor connections).' })
export class PageInfo {
  @Field({ description: 'Whether more items follow this page.' })
  hasNextPage: boolean;

  @Field({ description: 'Whether items precede this page (true when `after` was given).' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of the page.' })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item; pass it as `after` for the next page.' })
  endCursor: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` })
  @IsOptional()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @Field(() => String, { nullable: true, description: 'Return items after this cursor (an `endCursor` from a previous page).' })
  @IsOptional()
  after?: string;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** Builds `XConnection` and `XEdge` object types for a node type. */
export function Connection<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `An item of a ${name} list with its cursor.` })
  class EdgeType {
    @Field({ description: 'Opaque cursor of this item.' })
    cursor: string;

    @Field(() => nodeType, { description: 'The item.' })
    node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items (at most ${MAX_PAGE_SIZE}).` })
  class ConnectionType {
    @Field(() => [EdgeType], { description: 'The items of this page, in order.' })
    edges: EdgeType[];

    @Field(() => PageInfo, { description: 'Paging information.' })
    pageInfo: PageInfo;
  }
  return ConnectionType;
}

/** Keyset cursors: the sort key of the last row seen, opaque to clients (base64url JSON). */
export function encodeCursor(key: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_PARTS = {
  uuid: (v: unknown) => typeof v === 'string' && UUID.test(v),
  timestamp: (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(v) && !Number.isNaN(Date.parse(v)),
  date: (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)),
  integer: (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v),
  text: (v: unknown) => typeof v === 'string' && v.length <= 500,
} as const;
export type CursorPart = keyof typeof CURSOR_PARTS;

/** Decodes a cursor and checks each part's kind, so a forged cursor is the client's mistake, not a database error. */
export function decodeCursor(cursor: string, shape: number | readonly CursorPart[]): (string | number | null)[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const arity = typeof shape === 'number' ? shape : shape.length;
    if (Array.isArray(parsed) && parsed.length === arity && parsed.every((v) => v === null || ['string', 'number'].includes(typeof v))) {
      if (typeof shape === 'number' || shape.every((kind, i) => CURSOR_PARTS[kind](parsed[i]))) return parsed as (string | number | null)[];
    }
  } catch {
    // fall through to the coded error
  }
  throw appError('BAD_USER_INPUT', 'after is not a cursor this list issued', { argument: 'after' });
}

/** Turns `limit + 1` fetched rows into a page: the extra row only tells that more follow. */
export function toPage<R, T>(rows: R[], limit: number, hadCursor: boolean, cursorOf: (row: R) => string, map: (row: R) => T): Page<T> {
  const hasNextPage = rows.length > limit;
  const pageRows = hasNextPage ? rows.slice(0, limit) : rows;
  const edges = pageRows.map((row) => ({ cursor: cursorOf(row), node: map(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: hadCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
