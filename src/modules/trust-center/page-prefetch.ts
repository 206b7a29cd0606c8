import { getArgumentValues, getNamedType, isObjectType, Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { JsonPart } from '../../db/json-parts';
import type { Framework } from '../../domain/attestation';
import { MAX_PAGE_SIZE, type PageArgs } from '../../graphql/connection';
import type { RequestContext } from '../../graphql/context';
import { orgKey } from '../../graphql/loaders';
import { currentNdaKey } from '../access/access.resolver';
import { accessRecords } from '../access/access.service';
import { attestationPageFilter, attestationPageKey } from '../attestations/attestation.resolver';
import type { AttestationEntity } from '../attestations/attestation.entity';
import type { AttestationPageRow } from '../attestations/attestation.repository';
import { attestations } from '../attestations/attestation.service';
import type { TenantScope } from '../auth/tenant-scope';
import { documentPageKey, documentPageQuery } from '../documents/document.resolver';
import { documents } from '../documents/document.service';
import { subprocessorsKey } from '../notifications/notifications.resolver';
import { subprocessorRecords } from '../notifications/subprocessors.service';
import type { TrustCenterEntity } from './trust-center.entity';
import { trustCenters, type PageParts } from './trust-center.service';

/**
 * The public trust-center page in one statement (issue 16, item 1). The `trustCenter` query looks at what the
 * operation selects under it and asks `bySlug` to read, beside the trust center row: the current NDA, the
 * subprocessors, the first page of reports with their bridge letters, every Type II period (for gaps), and the first
 * page of documents. The field resolvers then find their rows in `ctx.loaders.prefetched` (or the loaders, primed)
 * under a key made from exactly what they would have read, and read as before on any other arguments.
 *
 * Only first pages (no `after`) with a valid `first` are read ahead: anything else is left to the resolver, which
 * also reports bad arguments as before. The same visitor scope as the resolvers' (`authorize(..., 'visit')`) is used,
 * so row-level security filters the prefetch exactly as it would have filtered their reads.
 */
export interface PagePrefetch {
  /** The reads to make beside the trust center (bySlug's `alongside`). */
  parts(scope: TenantScope): PageParts;
  /** Stores what was read where the field resolvers look for it. */
  prime(ctx: RequestContext, scope: TenantScope, trustCenter: TrustCenterEntity, read: Record<string, unknown>): void;
}

/** Arguments of each field selected on the trust center (fragments followed), by field name. */
function selectedFields(info: GraphQLResolveInfo): Map<string, Record<string, unknown>[]> {
  const out = new Map<string, Record<string, unknown>[]>();
  const type = getNamedType(info.returnType);
  if (!isObjectType(type)) return out;
  const fields = type.getFields();
  const visit = (set: SelectionSetNode | undefined, fragmentsSeen: Set<string>): void => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const def = fields[selection.name.value];
        if (!def) continue;
        try {
          const args = getArgumentValues(def, selection, info.variableValues);
          out.set(def.name, [...(out.get(def.name) ?? []), args]);
        } catch {
          // Arguments that do not coerce: the resolver reports them; nothing is read ahead for this field.
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || selection.typeCondition.name.value === type.name) visit(selection.selectionSet, fragmentsSeen);
      } else {
        const name = selection.name.value;
        const fragment = info.fragments[name];
        if (fragment && !fragmentsSeen.has(name) && fragment.typeCondition.name.value === type.name) visit(fragment.selectionSet, new Set([...fragmentsSeen, name]));
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, new Set());
  return out;
}

/** The page arguments of a first page the resolver would accept, or null (not read ahead). */
function firstPage(args: Record<string, unknown> | undefined): PageArgs | null {
  if (!args || (args.after !== undefined && args.after !== null)) return null;
  const first = args.first;
  if (first === undefined || first === null) return {};
  return typeof first === 'number' && Number.isInteger(first) && first >= 1 && first <= MAX_PAGE_SIZE ? { first } : null;
}

export function pagePrefetch(info: GraphQLResolveInfo): PagePrefetch {
  const selected = selectedFields(info);
  // A field selected twice with different arguments (aliases): the first is read ahead, the others read on their own.
  const attestationArgs = selected.get('attestations')?.[0];
  const attestationPage = firstPage(attestationArgs);
  const reports = attestationPage ? attestationPageFilter(['PUBLISHED'], attestationPage, (attestationArgs?.framework ?? null) as Framework | null) : null;
  const documentPage = firstPage(selected.get('documents')?.[0]);
  const wantsNda = selected.has('nda');
  const wantsSubprocessors = selected.has('subprocessors');

  return {
    parts(scope) {
      const parts: Record<string, JsonPart<unknown>> = {};
      if (reports) {
        parts.attestations = attestations.pagePart(scope, reports, true);
        parts.typeIIPeriods = attestations.typeIIPeriodsPart(scope, null);
      }
      if (documentPage) {
        const q = documentPageQuery(scope, documentPage);
        parts.documents = documents.pagePart(scope, q.visibilities, q.limit, q.after, q.onlyWithFile);
      }
      if (wantsNda) parts.nda = accessRecords.ndaTemplatePart(scope, trustCenters.currentNdaTemplateIdSql(scope));
      if (wantsSubprocessors) parts.subprocessors = subprocessorRecords.part(scope);
      return parts;
    },

    prime(ctx, scope, trustCenter, read) {
      const { prefetched } = ctx.loaders;
      if (reports && read.attestations) {
        const rows = read.attestations as AttestationPageRow[];
        prefetched.set(attestationPageKey(scope, reports), rows);
        for (const row of rows) ctx.loaders.bridgeLetters.prime(orgKey(scope.orgId, row.entity.id), row.bridgeLetters ?? []);
        // Every Type II period was read: each framework on the page gets all of its own (what the loader would read).
        const periods = new Map<string, AttestationEntity[]>();
        for (const row of rows) periods.set(row.entity.framework, []);
        for (const period of read.typeIIPeriods as AttestationEntity[]) periods.get(period.framework)?.push(period);
        for (const [fw, list] of periods) ctx.loaders.typeIIPeriods.prime(orgKey(scope.orgId, fw), list);
      }
      if (documentPage && read.documents) prefetched.set(documentPageKey(scope, documentPageQuery(scope, documentPage)), read.documents);
      if (wantsNda && trustCenter.currentNdaTemplateId) prefetched.set(currentNdaKey(scope, trustCenter.currentNdaTemplateId), read.nda ?? null);
      if (wantsSubprocessors && read.subprocessors) prefetched.set(subprocessorsKey(scope), read.subprocessors);
    },
  };
}
