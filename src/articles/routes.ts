import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams, SlugParams } from '../common/schemas.js';
import { resolveFilterRefs } from '../common/filter-refs.js';
import { linkNext } from '../common/pagination.js';
import { etagOf, expectedVersion, notModified } from '../http/conditional.js';
import { AppError } from '../common/errors.js';
import { hasScope } from '../http/principal.js';
import type { SectionService } from '../sections/service.js';
import type { SourceService } from '../sources/service.js';
import type { AnswerCache } from './answer-cache.js';
import { answerKey, type ExactCache } from '../common/exact-cache.js';
import type { Presenter, Shape } from './present.js';
import type { ArticleQueries } from './queries.js';
import type { ArticleRow } from './rows.js';
import { Article, ArticleAnswer, ArticleCreate, ArticleListQuery, ArticlePage, ArticleUpdate, ShapeQuery, type ArticleDto } from './schemas.js';
import type { ArticleService } from './service.js';
import type { Viewer } from './visibility.js';
import { cacheableItem, cacheableList, createdVersioned, ifMatch, versionedAnswer } from '../http/contract.js';

/** What a list page is read and kept through: the primary's, or a read replica's for anonymous readers (src/reads.ts). */
export type ListReads = { queries: ArticleQueries; present: Presenter; lists: ExactCache<ListAnswer> };

export type ArticleRouteDeps = {
  articles: ArticleService;
  present: Presenter;
  listReadsFor: (request: FastifyRequest) => ListReads;
  viewerOf: (request: FastifyRequest) => Promise<Viewer>;
  sections: SectionService;
  sources: SourceService;
  answers: AnswerCache;
};

const tags = ['articles'];
const hash = (s: string) => createHash('sha1').update(s).digest('base64url').slice(0, 16);

/**
 * A plain article's ETag is its version, checked before the answer is built, so a 304 costs one
 * row read; an answer with embeds or chosen fields gets a weak ETag of its content.
 */
const isPlain = (shape: Shape) => !shape.include?.length && !shape.fields;
/** Already serialised JSON: fastify sends a string of a JSON type as it is. */
const sendJson = (reply: FastifyReply, json: string) => reply.type('application/json; charset=utf-8').send(json);

/** A list page as sent: its JSON, ETag and next cursor. */
export type ListAnswer = { json: string; etag: string; nextCursor: string | null };
/** Lists with bodies (`fields=body`) can be megabytes: those are not kept. */
const LARGEST_KEPT_LIST = 256 * 1024;

async function answer(request: FastifyRequest, reply: FastifyReply, row: ArticleRow, shape: Shape, build: () => Promise<ArticleDto>) {
  if (isPlain(shape)) return notModified(request, reply, etagOf(row.version), row.updatedAt) ? reply : reply.send(await build());
  const dto = await build();
  const etag = `W/"${row.version}-${hash(JSON.stringify(dto))}"`;
  return notModified(request, reply, etag, row.updatedAt) ? reply : reply.send(dto);
}

export const articleRoutes: FastifyPluginAsyncZod<ArticleRouteDeps> = async (app, deps) => {
  const { articles, present, viewerOf, answers } = deps;

  app.get('/articles', {
    config: { scope: 'public' },
    schema: {
      ...cacheableList,
      errors: [403],
      tags,
      operationId: 'listArticles',
      summary: 'List articles, newest first',
      description:
        'Readers see published, due, not-deleted articles; editors see drafts, scheduled and archived ones too (and the trash with `deleted=true`). The body is left out of lists unless `fields` asks for it.',
      querystring: ArticleListQuery,
      response: { 200: ArticlePage, 304: z.null() },
    },
    handler: async (request, reply) => {
      const q = request.query;
      const viewer = await viewerOf(request);
      const { queries, present, lists } = deps.listReadsFor(request);
      // Built once per content generation and readers' time span (common/exact-cache.ts), then served as it is.
      const page = await lists.through(
        answerKey(q, viewer),
        viewer,
        async (): Promise<ListAnswer> => {
          const { sectionIds, sourceId } = await resolveFilterRefs(deps, q);
          const withBody = q.fields?.some((f) => f === 'body' || f === 'bodyText') ?? false;
          const { rows, nextCursor } = await queries.list({ ...q, sectionIds, sourceId, withBody }, viewer);
          const data = await present(rows, { include: q.include, fields: q.fields, withBody }, viewer);
          const etag = `W/"${hash(JSON.stringify(rows.map((r) => [r.id, r.version])) + JSON.stringify(q) + String(nextCursor))}"`;
          return { json: reply.serialize({ data, page: { nextCursor, limit: q.limit } }) as string, etag, nextCursor };
        },
        (page) => page.json.length <= LARGEST_KEPT_LIST,
      );
      if (notModified(request, reply, page.etag)) return reply;
      linkNext(request, reply, page.nextCursor);
      return sendJson(reply, page.json);
    },
  });

  app.get('/articles/:id', {
    config: { scope: 'public' },
    schema: {
      ...cacheableItem,
      tags,
      operationId: 'getArticle',
      summary: 'Get an article by id',
      description: 'Answers 304 to `If-None-Match` / `If-Modified-Since` when the copy is current.',
      params: IdParams,
      querystring: ShapeQuery.strict(),
      response: { 200: ArticleAnswer, 304: z.null() },
    },
    handler: async (request, reply) => {
      const viewer = await viewerOf(request);
      const { id } = request.params;
      if (!isPlain(request.query)) {
        const row = await articles.get(id, viewer);
        return answer(request, reply, row, request.query, async () => (await present([row], request.query, viewer))[0]!);
      }
      // The plain article: version and visibility first, without reading the body; then a 304,
      // the answer kept for this version (answer-cache.ts), or a fresh one.
      const head = await articles.head(id, viewer);
      if (notModified(request, reply, etagOf(head.version), head.updatedAt)) return reply;
      const key = answers.key(id, head.version, viewer.editor);
      const kept = answers.get(key);
      if (kept) return sendJson(reply, kept);
      const row = await articles.get(id, viewer);
      // The route's own serialiser (its response schema), so a kept answer is byte for byte a fresh one.
      const json = reply.serialize((await present([row], {}, viewer))[0]!) as string;
      if (row.version === head.version) answers.set(key, json);
      else notModified(request, reply, etagOf(row.version), row.updatedAt); // changed by another process in between
      return sendJson(reply, json);
    },
  });

  app.get('/articles/slug/:slug', {
    config: { scope: 'public' },
    schema: {
      ...cacheableItem,
      tags,
      operationId: 'getArticleBySlug',
      summary: 'Get an article by slug',
      description: 'A slug the article had before answers 308 with the URL of its current slug.',
      params: SlugParams,
      querystring: ShapeQuery.strict(),
      response: { 200: ArticleAnswer, 304: z.null(), 308: z.null().describe('Moved: the article has a new slug (see Location); no body') },
    },
    handler: async (request, reply) => {
      const viewer = await viewerOf(request);
      const found = await articles.getBySlug(request.params.slug, viewer);
      if ('movedTo' in found) {
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
        return reply.redirect(`/v1/articles/slug/${found.movedTo}${query}`, 308);
      }
      return answer(request, reply, found.row, request.query, async () => (await present([found.row], request.query, viewer))[0]!);
    },
  });

  app.post('/articles', {
    config: { scope: 'write' },
    schema: { ...createdVersioned, tags, operationId: 'createArticle', summary: 'Create an article', body: ArticleCreate, response: { 201: Article } },
    handler: async (request, reply) => {
      const row = await articles.create(request.body, request.principal.keyId);
      const dto = (await present([row], {}, await viewerOf(request)))[0]!;
      return reply.code(201).header('location', `/v1/articles/${row.id}`).header('etag', etagOf(row.version)).send(dto);
    },
  });

  app.patch('/articles/:id', {
    config: { scope: 'write' },
    schema: {
      ...ifMatch,
      tags,
      operationId: 'updateArticle',
      summary: 'Change some fields of an article',
      description:
        'Send `If-Match: "<version>"` to refuse the write with 412 when the article changed since you read it; without `If-Match` the write goes through. The previous state is kept as a revision.',
      params: IdParams,
      body: ArticleUpdate,
      response: { 200: Article },
    },
    handler: async (request, reply) => {
      const row = await articles.update(request.params.id, request.body, expectedVersion(request), request.principal.keyId);
      const dto = (await present([row], {}, await viewerOf(request)))[0]!;
      return reply.header('etag', etagOf(row.version)).send(dto);
    },
  });

  app.delete('/articles/:id', {
    config: { scope: 'write' },
    schema: {
      ...ifMatch,
      tags,
      operationId: 'deleteArticle',
      summary: 'Move an article to the trash (or delete it for good)',
      description:
        'Moves the article to the trash; `POST /v1/articles/{id}/restore` brings it back. `?permanent=true` (admin keys only) deletes it for good, with its related links, revisions and old slugs. Honours `If-Match`.',
      params: IdParams,
      querystring: z.strictObject({ permanent: z.enum(['true', 'false']).optional() }),
      response: { 204: z.null().describe('Deleted') },
    },
    handler: async (request, reply) => {
      if (request.query.permanent === 'true') {
        if (!hasScope(request.principal, 'admin')) throw new AppError('admin-only', 'Only admin keys may delete permanently');
        await articles.purge(request.params.id, expectedVersion(request));
      } else await articles.trash(request.params.id, expectedVersion(request), request.principal.keyId);
      return reply.code(204).send(null);
    },
  });

  app.post('/articles/:id/restore', {
    config: { scope: 'write' },
    schema: { ...versionedAnswer, tags, operationId: 'restoreArticle', summary: 'Bring an article back from the trash', params: IdParams, response: { 200: Article } },
    handler: async (request, reply) => {
      const row = await articles.restore(request.params.id, request.principal.keyId);
      const dto = (await present([row], {}, await viewerOf(request)))[0]!;
      return reply.header('etag', etagOf(row.version)).send(dto);
    },
  });
};
