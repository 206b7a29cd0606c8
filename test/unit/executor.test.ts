import {
  execute, GraphQLEnumType, GraphQLError, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, GraphQLString,
  Kind, parse, type GraphQLObjectType as ObjectType,
} from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { OperationExecutor } from '../../src/graphql/executor';
import { buildAppSchema, plainObjectTypes, type TypeMetadata } from '../../src/graphql/schema';

/** A small schema with what execution must get right: plain and resolved fields, lists, errors, enums, a checked scalar. */
class Boom extends Error {}
const Day = new GraphQLScalarType({
  name: 'Day',
  serialize: (v) => String(v),
  parseValue: (v) => {
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new GraphQLError('Day must be YYYY-MM-DD');
    if (v > '2999-12-31') throw new GraphQLError('Day must be from 1900-01-01 to 2999-12-31');
    return { day: v };
  },
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? { day: ast.value } : undefined),
});
const Color = new GraphQLEnumType({ name: 'Color', values: { RED: { value: 'red' }, BLUE: { value: 'blue' } } });
const Item: ObjectType = new GraphQLObjectType<{ name: string; size: number }>({
  name: 'Item',
  fields: () => ({
    name: { type: new GraphQLNonNull(GraphQLString) },
    color: { type: Color },
    size: { type: GraphQLInt, resolve: (item) => item.size * 10 },
    broken: { type: GraphQLString, resolve: () => { throw new Boom('this field failed'); } },
    missing: { type: new GraphQLNonNull(GraphQLString), resolve: () => null },
    later: { type: GraphQLString, resolve: async (item) => `later ${item.name}` },
  }),
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      items: {
        type: new GraphQLList(Item),
        args: { color: { type: Color }, first: { type: GraphQLInt, defaultValue: 2 }, on: { type: Day } },
        resolve: (_root, args: { color?: string; first: number; on?: { day: string } }, ctx: { items: { name: string; color: string; size: number }[] }) =>
          ctx.items.filter((i) => !args.color || i.color === args.color).slice(0, args.first).map((i) => ({ ...i, name: args.on ? `${i.name}@${args.on.day}` : i.name })),
      },
    },
  }),
});
const context = { items: [{ name: 'a', color: 'red', size: 1 }, { name: 'b', color: 'blue', size: 2 }, { name: 'c', color: 'red', size: 3 }] };

const cases: [string, string, Record<string, unknown> | undefined, string | null][] = [
  ['plain, resolved and async fields, an enum, a default argument', '{ items { name color size later } }', undefined, null],
  ['variables: an enum, an int, a checked scalar', 'query Q($c: Color, $n: Int, $on: Day) { items(color: $c, first: $n, on: $on) { name color } }', { c: 'RED', n: 5, on: '2026-01-31' }, 'Q'],
  ['a resolver that throws: null, an error with its path and location', '{ items { name broken } }', undefined, null],
  ['null for a non-null field: the error and the null bubbling up to the list item', '{ items { name missing } }', undefined, null],
  ['a variable of the wrong type', 'query Q($n: Int) { items(first: $n) { name } }', { n: 'two' }, 'Q'],
  ["a variable the scalar refuses, with the scalar's reason", 'query Q($on: Day) { items(on: $on) { name } }', { on: '9999-01-01' }, 'Q'],
  ['an unknown enum value in a variable', 'query Q($c: Color) { items(color: $c) { name } }', { c: 'GREEN' }, 'Q'],
  // graphql-jit generates JavaScript from the document: a literal that looks like code must stay a value.
  ['a string literal that reads as code stays data', `{ items(on: ${JSON.stringify('x"); throw new Error(\'injected\'); ("${process.exit(1)}`+\'`\'')}) { name } }`, undefined, null],
  ['several bad variables: every refusal', 'query Q($c: Color, $n: Int, $on: Day) { items(color: $c, first: $n, on: $on) { name } }', { c: 'GREEN', n: 1.5, on: 'soon' }, 'Q'],
];

describe('compiled and interpreted execution answer alike', () => {
  test.each(cases)('%s', async (_what, query, variables, operationName) => {
    const document = parse(query);
    const expected = await execute({ schema, document, contextValue: context, variableValues: variables, operationName });
    const compiled = new OperationExecutor(schema, 1);
    const result = await compiled.execute({ key: query, document, operationName, contextValue: context, variableValues: variables });
    expect(compiled.compiledCount).toBe(1); // it did run compiled
    expect(JSON.parse(JSON.stringify(result))).toEqual(JSON.parse(JSON.stringify(expected)));
    // What Apollo and formatError read off an error beyond its JSON: the node a bad variable names (400
    // BAD_USER_INPUT), and a resolver's own error (its code, the log). A field error's nodes (graphql-js keeps them,
    // graphql-jit gives locations only) and the plain Error graphql-js puts behind a null in a non-null field are
    // read by nothing: such an error has a path, and is INTERNAL_SERVER_ERROR either way.
    // And what Apollo copies: `extensions` (an object: Apollo reads its code), `originalError` through toJSON's copy.
    const seen = (e: GraphQLError) => ({
      variableNodes: e.path ? null : (e.nodes?.map((n) => n.kind) ?? null), thrown: e.originalError instanceof Boom, extensions: e.extensions, json: e.toJSON(),
    });
    expect(result.errors?.map(seen)).toEqual(expected.errors?.map(seen));
  });
});

describe('when an operation is compiled', () => {
  const run = (executor: OperationExecutor, key: string, query = '{ items { name } }') =>
    executor.execute({ key, document: parse(query), operationName: null, contextValue: context, variableValues: undefined });

  test('at its second run by default: a document seen once costs no compilation', async () => {
    const executor = new OperationExecutor(schema);
    await run(executor, 'a');
    expect(executor.compiledCount).toBe(0);
    const second = await run(executor, 'a');
    expect(executor.compiledCount).toBe(1);
    expect(second).toEqual({ data: { items: [{ name: 'a' }, { name: 'b' }] } });
    await run(executor, 'b');
    expect(executor.compiledCount).toBe(1);
  });

  test('each run is reported as compiled or interpreted', async () => {
    const modes: string[] = [];
    const executor = new OperationExecutor(schema, 2, 10, () => undefined, (mode) => modes.push(mode));
    for (let i = 0; i < 3; i++) await run(executor, 'a');
    expect(modes).toEqual(['interpreted', 'compiled', 'compiled']);
  });

  test('never with 0; at the first run with 1', async () => {
    const never = new OperationExecutor(schema, 0);
    for (let i = 0; i < 3; i++) await run(never, 'a');
    expect(never.compiledCount).toBe(0);
    const first = new OperationExecutor(schema, 1);
    await run(first, 'a');
    expect(first.compiledCount).toBe(1);
  });

  test('at most maxCompiled are held; the least recently used goes first', async () => {
    const executor = new OperationExecutor(schema, 1, 2);
    await run(executor, 'a');
    await run(executor, 'b');
    await run(executor, 'a'); // a is now the most recent
    await run(executor, 'c'); // b goes
    expect(executor.compiledCount).toBe(2);
    const compiledBefore = executor.compiledCount;
    await run(executor, 'a'); // still held: nothing new compiled, nothing dropped
    expect(executor.compiledCount).toBe(compiledBefore);
  });

  test('a document graphql-jit refuses is reported once and interpreted from then on', async () => {
    const failures: string[] = [];
    const executor = new OperationExecutor(schema, 1, 10, (key) => failures.push(key));
    const op = { key: 'k', document: parse('query A { items { name } }'), operationName: 'B', contextValue: context, variableValues: undefined };
    const first = await executor.execute(op);
    const second = await executor.execute(op);
    expect(failures).toEqual(['k']);
    expect(executor.compiledCount).toBe(0);
    expect(first.errors?.map((e) => e.message)).toEqual(['Unknown operation named "B".']);
    expect(second).toEqual(first);
  });
});

describe('plain object types read their properties without a resolver', () => {
  class Base {}
  class Child extends Base {}
  class Plain {}
  class Renamed {}
  class Guarded {}
  class WithMiddleware {}
  class Decided {}
  class Shape {}
  class Shaped {}
  const meta: TypeMetadata = {
    objectTypes: [
      { name: 'Child', target: Child },
      { name: 'Plain', target: Plain },
      { name: 'Renamed', target: Renamed },
      { name: 'Guarded', target: Guarded },
      { name: 'WithMiddleware', target: WithMiddleware },
      { name: 'Decided', target: Decided, simpleResolvers: false },
      { name: 'Shaped', target: Shaped, interfaceClasses: [Shape] },
    ],
    fields: [
      { target: Base, name: 'secret', schemaName: 'secret' },
      { target: Child, name: 'name', schemaName: 'name' },
      { target: Plain, name: 'name', schemaName: 'name' },
      { target: Renamed, name: 'internalName', schemaName: 'name' },
      { target: Guarded, name: 'salary', schemaName: 'salary' },
      { target: WithMiddleware, name: 'name', schemaName: 'name' },
      { target: Shape, name: 'area', schemaName: 'area' },
    ],
    authorizedFields: [{ target: Base, fieldName: 'secret' }, { target: Guarded, fieldName: 'salary' }, { target: Shape, fieldName: 'area' }],
    middlewares: [{ target: WithMiddleware, fieldName: 'name' }],
  };

  test('only a type with no auth rule, no middleware and no renamed field, in itself, its parents or its interfaces', () => {
    expect(plainObjectTypes(meta).map((t) => t.name)).toEqual(['Plain']);
  });

  test("in the app's schema: plain fields have no resolver, field resolvers keep theirs", async () => {
    const app = await buildAppSchema();
    const entry = (app.getType('VendorStatusEntry') as ObjectType).getFields();
    expect(entry.status!.resolve).toBeUndefined();
    expect(entry.vendor!.resolve).toBeUndefined();
    expect(typeof entry.history!.resolve).toBe('function');
    // No field of an object type carries an auth rule today; one that did would keep its type's wrappers.
    const objectTargets = new Set(getMetadataStorage().objectTypes.map((t) => t.target));
    expect(getMetadataStorage().authorizedFields.filter((f) => objectTargets.has(f.target))).toEqual([]);
  });
});
