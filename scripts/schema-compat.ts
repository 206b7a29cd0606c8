import { buildSchema } from 'graphql';
import { CriticalityLevel, diff, DiffRule, type Change } from '@graphql-inspector/core';

/**
 * The schema contract: `schema/baseline.graphql` is the schema partners build against (the last landed one);
 * `schema/schema.graphql` is what this tree serves. A change that would break a client is refused unless the thing
 * removed was deprecated in the baseline first (deprecate, land, then remove).
 */
export interface CompatReport {
  breaking: Change[];
  dangerous: Change[];
  safe: Change[];
}

export async function compareSchemas(baselineSdl: string, currentSdl: string): Promise<CompatReport> {
  const changes = await diff(buildSchema(baselineSdl), buildSchema(currentSdl), [DiffRule.suppressRemovalOfDeprecatedField]);
  return {
    breaking: changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking),
    dangerous: changes.filter((c) => c.criticality.level === CriticalityLevel.Dangerous),
    safe: changes.filter((c) => c.criticality.level === CriticalityLevel.NonBreaking),
  };
}

export function describeChange(c: Change): string {
  return `${c.path ?? '(schema)'}: ${c.message}${c.criticality.reason ? ` (${c.criticality.reason})` : ''}`;
}
