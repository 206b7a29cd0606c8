import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { printSchemaSdl } from '../src/graphql/print-schema';

/** Writes schema/schema.graphql from the code (a test fails when the committed file is out of date). */
async function main(): Promise<void> {
  const target = path.resolve(__dirname, '..', '..', 'schema', 'schema.graphql');
  writeFileSync(target, await printSchemaSdl());
  process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
