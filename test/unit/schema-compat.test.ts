import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compareSchemas, describeChange } from '../../scripts/schema-compat';

const schemaDir = path.resolve(__dirname, '..', '..', 'schema');
const read = (name: string): string => readFileSync(path.join(schemaDir, name), 'utf8');

describe('schema contract: no breaking change against the last landed schema (schema/baseline.graphql)', () => {
  test('schema/schema.graphql breaks nothing a client of the baseline relies on', async () => {
    const report = await compareSchemas(read('baseline.graphql'), read('schema.graphql'));
    expect(report.breaking.map(describeChange)).toEqual([]);
  });

  const BASE = `
    type Query { vendor(slug: String!): Vendor  old: String @deprecated(reason: "use vendor") }
    type Vendor { name: String! tier: Tier! }
    enum Tier { FREE PAID }
    input Filter { name: String }
  `;

  test.each([
    ['a field removed', BASE.replace('tier: Tier!', '')],
    ['an argument made required', BASE.replace('vendor(slug: String!)', 'vendor(slug: String!, region: String!)')],
    ['a non-null field made nullable', BASE.replace('name: String!', 'name: String')],
    ['an enum value removed', BASE.replace('FREE PAID', 'PAID')],
    ['a field type changed', BASE.replace('tier: Tier!', 'tier: String!')],
  ])('the check catches a breaking change: %s', async (_what, changed) => {
    const report = await compareSchemas(BASE, changed);
    expect(report.breaking.length).toBeGreaterThan(0);
  });

  test('removing a field that the baseline already deprecated is allowed; adding fields is safe', async () => {
    const report = await compareSchemas(BASE, BASE.replace('old: String @deprecated(reason: "use vendor")', 'newer: Int'));
    expect(report.breaking.map(describeChange)).toEqual([]);
    expect(report.safe.length).toBeGreaterThan(0);
  });
});
