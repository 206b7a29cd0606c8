import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { Visibility } from '../../domain/document';
import { actorOf, type RequestContext } from '../../graphql/context';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, PageArgs, toPage } from '../../graphql/connection';
import { orgKey } from '../../graphql/loaders';
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
  const limit = args.first ?? DEFAULT_PAGE_SIZE;
  const after = args.after ? decodeCursor(args.after, ['timestamp', 'uuid']) : null;
  const visibilities: Visibility[] = scope.isMember ? ['PUBLIC', 'RESTRICTED', 'PRIVATE'] : ['PUBLIC', 'RESTRICTED'];
  const rows = await ctx.db.transaction(scope.identity(), (m) =>
    documentRepository.page(m, scope, visibilities, limit, after ? { createdAt: String(after[0]), id: String(after[1]) } : null, !scope.isMember),
  );
  return toPage(rows, limit, Boolean(after), (d) => encodeCursor([d.createdAt.toISOString(), d.id]), toDocument);
}

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

