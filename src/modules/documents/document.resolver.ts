import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { Visibility } from '../../domain/document';
import { actorOf, type RequestContext } from '../../graphql/context';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, PageArgs, toPage } from '../../graphql/connection';
import { orgKey, Prefetched } from '../../graphql/loaders';
import { authorize, isMember } from '../auth/authorize';
import type { TenantScope } from '../auth/tenant-scope';
import { DocumentService } from './document.service';
import { documentRepository } from './document.repository';
import {
  CreateDocumentInput,
  CreateDocumentUploadInput,
  Document,
  DocumentConnection,
  DocumentPayload,
  DocumentUploadPayload,
  DocumentVersion,
  toDocument,
  toDocumentVersion,
  UpdateDocumentInput,
} from './document.types';

/** A page of a tenant's documents in creation order; visitors see PUBLIC and RESTRICTED ones that have a file. */
export async function documentPage(ctx: RequestContext, scope: TenantScope, args: PageArgs): Promise<DocumentConnection> {
  const q = documentPageQuery(scope, args);
  const rows = await ctx.loaders.prefetched.or(documentPageKey(scope, q), () =>
    ctx.db.transaction(scope.identity(), (m) => documentRepository.page(m, scope, q.visibilities, q.limit, q.after, q.onlyWithFile)),
  );
  return toPage(rows, q.limit, Boolean(q.after), (d) => encodeCursor([d.createdAt.toISOString(), d.id]), toDocument);
}

/** What a page of documents reads for this caller and these arguments (the public page's prefetch asks the same). */
export function documentPageQuery(scope: TenantScope, args: PageArgs): DocumentPageQuery {
  const after = args.after ? decodeCursor(args.after, ['timestamp', 'uuid']) : null;
  return {
    visibilities: scope.isMember ? ['PUBLIC', 'RESTRICTED', 'PRIVATE'] : ['PUBLIC', 'RESTRICTED'],
    limit: args.first ?? DEFAULT_PAGE_SIZE,
    after: after ? { createdAt: String(after[0]), id: String(after[1]) } : null,
    onlyWithFile: !scope.isMember,
  };
}

export interface DocumentPageQuery {
  visibilities: Visibility[];
  limit: number;
  after: { createdAt: string; id: string } | null;
  onlyWithFile: boolean;
}

/** The key under which a prefetch stores the rows of a page read with this query. */
export const documentPageKey = (scope: TenantScope, q: DocumentPageQuery): string => Prefetched.key('documents', scope.orgId, q);

const service = (ctx: RequestContext): DocumentService => new DocumentService(ctx.db, ctx.storage, ctx.config.storage.maxUploadBytes);

@Resolver(() => Document)
export class DocumentResolver {
  @Authorized('document.write')
  @Mutation(() => DocumentPayload, { description: 'Create a document in the active organization (EDITOR and above); then upload its file.' })
  async createDocument(@Arg('input', { description: 'The document.' }) input: CreateDocumentInput, @Ctx() ctx: RequestContext): Promise<DocumentPayload> {
    const r = await service(ctx).create(authorize(ctx.principal, 'document.write'), actorOf(ctx), input);
    return { document: r.document ? toDocument(r.document) : null, errors: r.errors };
  }

  @Authorized('document.write')
  @Mutation(() => DocumentPayload, { description: 'Change a document\'s title, description or visibility (EDITOR and above).' })
  async updateDocument(@Arg('input', { description: 'The document and the changes.' }) input: UpdateDocumentInput, @Ctx() ctx: RequestContext): Promise<DocumentPayload> {
    const r = await service(ctx).update(authorize(ctx.principal, 'document.write'), actorOf(ctx), input.id, input);
    return { document: r.document ? toDocument(r.document) : null, errors: r.errors };
  }

  @Authorized('document.write')
  @Mutation(() => DocumentUploadPayload, {
    description: 'Reserve a new version and get a presigned PUT URL bound to its content type and exact size (EDITOR and above).',
  })
  async createDocumentUpload(@Arg('input', { description: 'The file to upload.' }) input: CreateDocumentUploadInput, @Ctx() ctx: RequestContext): Promise<DocumentUploadPayload> {
    const r = await service(ctx).createUpload(authorize(ctx.principal, 'document.write'), actorOf(ctx), input.documentId, { ...input, sha256: input.sha256.toLowerCase() });
    return {
      version: r.version ? toDocumentVersion(r.version) : null,
      upload: r.upload ? { ...r.upload, headers: Object.entries(r.upload.headers).map(([name, value]) => ({ name, value })) } : null,
      errors: r.errors,
    };
  }

  @Authorized('document.write')
  @Mutation(() => DocumentPayload, {
    description: 'Verify the uploaded file (size, type, content, sha256) and make it the current version (EDITOR and above).',
  })
  async completeDocumentUpload(@Arg('versionId', () => ID, { description: 'The version from createDocumentUpload.' }) versionId: string, @Ctx() ctx: RequestContext): Promise<DocumentPayload> {
    const r = await service(ctx).completeUpload(authorize(ctx.principal, 'document.write'), actorOf(ctx), versionId);
    return { document: r.document ? toDocument(r.document) : null, version: r.version ? toDocumentVersion(r.version) : null, errors: r.errors };
  }

  @FieldResolver(() => DocumentVersion, {
    nullable: true,
    description: "The current file, once one is verified: for the vendor's members, and for anyone when the document is PUBLIC (null otherwise).",
  })
  async currentVersion(@Root() d: Document, @Ctx() ctx: RequestContext): Promise<DocumentVersion | null> {
    if (!d.currentVersionId) return null;
    if (d.visibility !== 'PUBLIC' && !isMember(ctx.principal, d.orgId)) return null;
    const v = await ctx.loaders.documentVersion.load(orgKey(d.orgId, d.currentVersionId));
    return v ? toDocumentVersion(v) : null;
  }
}

