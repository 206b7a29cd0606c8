import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, specifiedScalarTypes } from 'graphql';
import pg from 'pg';
import { ensureDatabase, migrate } from '../../src/db/bootstrap';
import { createDataSource } from '../../src/db/data-source';
import { renderErrorDocsFromCode } from '../../src/graphql/error-docs';
import { printSchemaSdl } from '../../src/graphql/print-schema';
import { buildAppSchema } from '../../src/graphql/schema';
import { AttestationEntity } from '../../src/modules/attestations/attestation.entity';
import { Attestation } from '../../src/modules/attestations/attestation.types';
import { MIGRATIONS } from '../../migrations';
import { uniqueSuffix } from '../support/harness';

const root = path.resolve(__dirname, '..', '..');
const ownerUrl = (): string => process.env.TP_TEST_OWNER_URL!;

test('schema/schema.graphql is the schema the code emits (run `npm run schema:emit` after an API change)', async () => {
  const committed = readFileSync(path.join(root, 'schema', 'schema.graphql'), 'utf8');
  expect(await printSchemaSdl()).toBe(committed);
});

test('docs/errors.md is generated from the schema (run `npm run schema:emit`)', async () => {
  expect(await renderErrorDocsFromCode()).toBe(readFileSync(path.join(root, 'docs', 'errors.md'), 'utf8'));
});

test('every type, field, argument, input field and enum value in the schema has a description (the partners read it as documentation)', async () => {
  const schema = await buildAppSchema();
  const described = (d: string | null | undefined): boolean => (d ?? '').trim().length > 0;
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || specifiedScalarTypes.some((s) => s.name === type.name)) continue;
    if (!described(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) if (!described(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name})`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) if (!described(value.description)) missing.push(`${type.name}.${value.name}`);
    }
  }
  expect(missing).toEqual([]);
});

test('decorator metadata is emitted under the test transform (type-graphql and TypeORM read it)', () => {
  expect(Reflect.getMetadata('design:type', AttestationEntity.prototype, 'exceptions')).toBe(Array);
  expect(Reflect.getMetadata('design:type', Attestation.prototype, 'id')).toBe(String);
});

test('every migration file is listed in migrations/index.ts, in order', () => {
  const files = readdirSync(path.join(root, 'migrations')).filter((f) => /^\d+-.*\.ts$/.test(f)).sort();
  const listed = MIGRATIONS.map((m) => new m().constructor.name);
  expect(listed).toHaveLength(files.length);
  const timestamps = files.map((f) => f.split('-')[0]);
  expect(listed.map((name) => name.match(/(\d+)$/)![1])).toEqual(timestamps);
});

test('entities and migrations agree: TypeORM would generate no migration', async () => {
  const ds = createDataSource({ url: ownerUrl(), poolMax: 1 });
  await ds.initialize();
  try {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  } finally {
    await ds.destroy();
  }
});

test('migrations go down and up again cleanly on a fresh database', async () => {
  const admin = new URL(ownerUrl());
  const name = `tp_migrate_${uniqueSuffix()}`;
  const url = await ensureDatabase(admin.toString(), name);
  try {
    await migrate(url, undefined);
    const ds = createDataSource({ url, poolMax: 1 });
    await ds.initialize();
    try {
      const countTables = async (): Promise<number> => Number((await ds.query(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`))[0].count);
      const migrated = await countTables();
      for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      const tables = await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
      expect(tables.map((t: { tablename: string }) => t.tablename)).toEqual(['migrations']);
      await ds.runMigrations({ transaction: 'each' });
      expect(await countTables()).toBe(migrated);
    } finally {
      await ds.destroy();
    }
  } finally {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  }
});
