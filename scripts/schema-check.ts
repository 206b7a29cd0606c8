import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareSchemas, describeChange } from './schema-compat';

/**
 * `npm run schema:check`: what changed between schema/baseline.graphql (the last landed contract) and
 * schema/schema.graphql; exits 1 on a breaking change. `npm run schema:check -- --accept` moves the baseline to the
 * current schema (do it once the change has landed, never to silence a breaking change).
 */
async function main(): Promise<void> {
  const dir = path.resolve(__dirname, '..', '..', 'schema');
  const baseline = readFileSync(path.join(dir, 'baseline.graphql'), 'utf8');
  const current = readFileSync(path.join(dir, 'schema.graphql'), 'utf8');
  const report = await compareSchemas(baseline, current);
  const section = (title: string, changes: typeof report.safe): void => {
    process.stdout.write(`${title}: ${changes.length}\n`);
    for (const c of changes) process.stdout.write(`  - ${describeChange(c)}\n`);
  };
  section('breaking', report.breaking);
  section('dangerous', report.dangerous);
  section('safe', report.safe);
  if (process.argv.includes('--accept')) {
    if (report.breaking.length > 0) {
      process.stderr.write('refusing to accept a breaking change: deprecate first, land, then remove\n');
      process.exit(1);
    }
    writeFileSync(path.join(dir, 'baseline.graphql'), current);
    process.stdout.write('schema/baseline.graphql now matches schema/schema.graphql\n');
    return;
  }
  if (report.breaking.length > 0) process.exit(1);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
