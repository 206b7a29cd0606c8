import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildAppSchema } from './schema';

/** The schema as committed in schema/schema.graphql: sorted, so the diff of a change shows only the change. */
export async function printSchemaSdl(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildAppSchema())) + '\n';
}
