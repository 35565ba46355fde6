import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams } from '../common/schemas.js';
import { etagOf } from '../http/conditional.js';
import type { Presenter } from './present.js';
import { ArticleRevision, ArticleRevisionList, RevisionDiff, type RevisionStore } from './revisions.js';
import { Article } from './schemas.js';
import type { ArticleService } from './service.js';
import type { Viewer } from './visibility.js';
import type { FastifyRequest } from 'fastify';
import { versionedAnswer } from '../http/contract.js';

const tags = ['articles'];
const RevisionParams = IdParams.extend({ rev: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

export const revisionRoutes: FastifyPluginAsyncZod<{
  revisions: RevisionStore;
  articles: ArticleService;
  present: Presenter;
  viewerOf: (request: FastifyRequest) => Promise<Viewer>;
}> = async (app, { revisions, articles, present, viewerOf }) => {
  app.get('/articles/:id/revisions', {
    config: { scope: 'write' },
    schema: {
      tags,
      operationId: 'listArticleRevisions',
      summary: "An article's revisions, newest first",
      description: 'Revision N is the state the article had at version N, with who made it and when; the first entry is the current state.',
      params: IdParams,
      response: { 200: ArticleRevisionList },
    },
    handler: async (request) => ({ data: await revisions.list(request.params.id) }),
  });

  app.get('/articles/:id/revisions/:rev', {
    config: { scope: 'write' },
    schema: { tags, operationId: 'getArticleRevision', summary: 'One revision of an article', params: RevisionParams, response: { 200: ArticleRevision } },
    handler: async (request) => revisions.get(request.params.id, request.params.rev),
  });

  app.get('/articles/:id/revisions/:rev/diff', {
    config: { scope: 'write' },
    schema: {
      tags,
      operationId: 'diffArticleRevisions',
      summary: 'What changed between two revisions',
      description: 'Compares revision `rev` with `against` (default: the current state).',
      params: RevisionParams,
      querystring: z.strictObject({ against: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional() }),
      response: { 200: RevisionDiff },
    },
    handler: async (request) => {
      const { id, rev } = request.params;
      const against = request.query.against ?? (await revisions.list(id))[0]!.revision;
      return revisions.diff(id, rev, against);
    },
  });

  app.post('/articles/:id/revisions/:rev/restore', {
    config: { scope: 'write' },
    schema: {
      ...versionedAnswer,
      tags,
      operationId: 'restoreArticleRevision',
      summary: 'Bring back the state of an earlier revision',
      description: 'A new change: the version goes up and the state before it is kept as a revision, so a restore can be undone too.',
      params: RevisionParams,
      response: { 200: Article },
    },
    handler: async (request, reply) => {
      const row = await articles.restoreRevision(request.params.id, request.params.rev, request.principal.keyId);
      const dto = (await present([row], {}, await viewerOf(request)))[0]!;
      return reply.header('etag', etagOf(row.version)).send(dto);
    },
  });
};
