import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderErrorDocsFromCode } from '../src/graphql/error-docs';
import { printSchemaSdl } from '../src/graphql/print-schema';

/** Writes schema/schema.graphql and docs/errors.md from the code (tests fail when the committed files are stale). */
async function main(): Promise<void> {
  const target = path.resolve(__dirname, '..', '..', 'schema', 'schema.graphql');
  writeFileSync(target, await printSchemaSdl());
  process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
  const errors = path.resolve(__dirname, '..', '..', 'docs', 'errors.md');
  writeFileSync(errors, await renderErrorDocsFromCode());
  process.stdout.write(`wrote ${path.relative(process.cwd(), errors)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
