import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { generateOpenApi } from '../src/cli/openapi.js';

const committed = readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8');
type Operation = {
  tags?: string[];
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
      t.ok(op.responses['400'] && op.responses['500'], `${name} documents its errors`);
    }
  }
});

t.test('named components for the content model, with examples', async (t) => {
  const doc = JSON.parse(committed);
  for (const name of ['Article', 'Section', 'Source', 'RelatedLink', 'Problem', 'ArticlePage', 'SectionPage', 'SourcePage', 'PageInfo']) {
    t.ok(doc.components.schemas[name], `${name} is a component`);
  }
  for (const name of ['Article', 'Section', 'Source', 'RelatedLink', 'Problem']) {
    t.ok(doc.components.schemas[name].example ?? doc.components.schemas[name].examples, `${name} has an example`);
  }
  t.match(doc.components.schemas.Article.example.title, /甘肃省党政代表团来津考察/, 'the Article example is the seed article');
});
