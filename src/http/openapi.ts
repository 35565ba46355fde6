import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { Contract } from './contract.js';

type Doc = { components?: { schemas?: Record<string, unknown> } } & Record<string, unknown>;

/**
 * zod registers each named schema twice (X and XInput) and keeps unused ones; keep only the
 * components that the paths (or other kept components) reference.
 */
export function pruneComponents(doc: Doc): Doc {
  const all = doc.components?.schemas ?? {};
  const keep = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        const name = v.slice('#/components/schemas/'.length);
        if (!keep.has(name)) {
          keep.add(name);
          visit(all[name]);
        }
      } else visit(v);
    }
  };
  visit({ ...doc, components: { ...doc.components, schemas: {} } });
  const schemas = Object.fromEntries(Object.entries(all).filter(([k]) => keep.has(k)).sort(([a], [b]) => a.localeCompare(b)));
  return { ...doc, components: { ...doc.components, schemas } };
}

export const openapiPlugin = fp(
  async (app: FastifyInstance, opts: { version: string; serverUrl: string; contract: Contract }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Masthead API',
          version: opts.version,
          description:
            'Masthead is a headless CMS for newsrooms: articles, the sections they are filed under, the sources they come from and the related links that tie them together. Chinese content first.\n\nErrors are RFC 9457 `application/problem+json`. Lists are cursor-paginated: follow `page.nextCursor` or the `Link: rel="next"` header.',
        },
        servers: [{ url: opts.serverUrl }],
        tags: [
          { name: 'sections', description: 'The site’s navigation: sections and subsections (天津 › 政情)' },
          { name: 'sources', description: 'Where articles come from (天津日报, agencies, partners)' },
          { name: 'articles', description: 'News articles' },
          { name: 'search', description: 'Full-text search of articles, right for Chinese (甘肃, 陈敏尔, 京津冀)' },
          { name: 'related-links', description: 'Ordered related headlines under an article' },
          { name: 'transfer', description: 'Bulk import and export of sections, sources and articles as NDJSON (re-runnable, streamed)' },
          { name: 'keys', description: 'API keys and their scopes (admin keys only)' },
          { name: 'feeds', description: 'RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the newest published articles, for partners and feed readers' },
          { name: 'ninjs', description: 'Articles as IPTC ninjs 3.2 (News in JSON), for news partners' },
          { name: 'sitemaps', description: 'sitemaps.org sitemaps and a Google News sitemap, at the root (not under /v1)' },
          { name: 'changes', description: 'The change feed: every create, update and delete in commit order, for partners who keep an exact copy' },
          { name: 'webhooks', description: 'Signed (Standard Webhooks) event deliveries to partners’ endpoints (admin keys only)' },
          { name: 'system', description: 'Health and readiness probes' },
        ],
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'mh_…',
              description: 'An API key: `Authorization: Bearer mh_…`. Each operation names the scope it needs in `x-scope`; public operations need no key while public read is on.',
            },
          },
        },
      },
      transform: jsonSchemaTransform,
      transformObject: (documentObject) => pruneComponents(opts.contract.document(jsonSchemaTransformObject(documentObject) as Doc)) as never,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true }, config: { scope: 'public' } }, async () => app.swagger());
  },
  { name: 'masthead-openapi', dependencies: ['masthead-errors'] },
);
