import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { generateOpenApi } from '../src/cli/openapi.js';

const committed = readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8');
type Operation = {
  tags?: string[];
  parameters?: unknown[];
  requestBody?: unknown;
  operationId?: string;
  summary?: string;
  responses: Record<string, unknown>;
};

t.test('openapi/openapi.json is what the app generates (run `npm run openapi` after changing a route)', async (t) => {
  const generated = await generateOpenApi();
  t.equal(generated, committed, 'the committed document has drifted from the routes');
});

t.test('the document is valid OpenAPI 3.1', async (t) => {
  const doc = JSON.parse(committed);
  await SwaggerParser.validate(structuredClone(doc));
  t.equal(doc.openapi, '3.1.0');
  t.pass('swagger-parser accepts it');
});

t.test('every operation is named, tagged, summarised, and answers with a 2xx schema and problem errors', async (t) => {
  const doc = JSON.parse(committed) as { paths: Record<string, Record<string, Operation>>; tags: { name: string }[] };
  const tagNames = new Set(doc.tags.map((tag) => tag.name));
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const name = `${method.toUpperCase()} ${path}`;
      t.ok(op.operationId && /^[a-z][A-Za-z]+$/.test(op.operationId), `${name} has a verb-noun operationId`);
      t.notOk(ids.has(op.operationId!), `${name} operationId is unique`);
      ids.add(op.operationId!);
      t.ok(op.summary, `${name} has a summary`);
      t.ok(op.tags?.length && op.tags.every((tag) => tagNames.has(tag)), `${name} has a declared tag`);
      t.ok(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), `${name} documents a 2xx answer`);
      t.ok(op.responses['401'] && op.responses['500'], `${name} documents its errors`);
      for (const [status, answer] of Object.entries(op.responses as Record<string, { description?: string }>)) {
        t.ok(answer.description && answer.description !== 'Default Response', `${name} ${status} has a description`);
      }
      if (!Object.keys(op.parameters ?? {}).length && !op.requestBody) t.notOk(op.responses['400'], `${name} takes no input, so no 400`);
    }
  }
});

t.test('named components for the content model, with examples', async (t) => {
  const doc = JSON.parse(committed);
  for (const name of ['Article', 'ArticleListItem', 'ArticleFields', 'RelatedLinkWrite', 'Section', 'Source', 'RelatedLink', 'Problem', 'ArticlePage', 'SectionPage', 'SourcePage', 'PageInfo']) {
    t.ok(doc.components.schemas[name], `${name} is a component`);
  }
  for (const name of ['Article', 'Section', 'Source', 'RelatedLink', 'Problem']) {
    t.ok(doc.components.schemas[name].example ?? doc.components.schemas[name].examples, `${name} has an example`);
  }
  t.match(doc.components.schemas.Article.example.title, /甘肃省党政代表团来津考察/, 'the Article example is the seed article');
});

t.test('the answers say what the server does: list items without a body, headers, conditional requests', async (t) => {
  const doc = JSON.parse(committed);
  const item = doc.components.schemas.ArticleListItem;
  t.notOk('body' in item.properties, 'a list item has no body');
  t.same(doc.components.schemas.ArticleFields.required, ['id'], 'with fields=, only id is sure to be there');
  const list = doc.paths['/v1/articles'].get;
  t.match(list.responses['200'].headers, { ETag: { $ref: '#/components/headers/ETag' }, Link: { $ref: '#/components/headers/Link' } });
  const refs = (op: { parameters: { $ref?: string }[] }) => op.parameters.map((p) => p.$ref).filter(Boolean);
  t.same(refs(list), ['#/components/parameters/If-None-Match'], 'a list revalidates by its ETag only');
  const one = doc.paths['/v1/articles/{id}'];
  t.match(one.get.responses['304'], { headers: { ETag: {} } });
  t.notOk(one.get.responses['304'].content, 'a 304 has no body');
  t.notOk(doc.paths['/v1/articles/slug/{slug}'].get.responses['308'].content, 'nor a 308');
  t.same(refs(one.get), ['#/components/parameters/If-None-Match', '#/components/parameters/If-Modified-Since']);
  t.same(refs(one.patch), ['#/components/parameters/If-Match']);
  t.ok(one.patch.responses['412'], 'a conditional write documents 412');
  t.notOk(doc.paths['/v1/articles'].post.responses['412'], 'an unconditional one does not');
  t.same(Object.keys(doc.paths['/healthz'].get.responses), ['200', '401', '500', '503'], 'a probe: no input, no rate limit; a 503 while the server shuts down');
  t.ok(doc.paths['/readyz'].get.responses['503']);
  t.match(doc.paths['/v1/articles'].post.responses['429'].headers, { 'Retry-After': {} });
  t.equal(doc.components.headers['Retry-After'].required, true);
});
