/**
 * The yardstick, measured in the same run as everything else: a hand-written fastify +
 * better-sqlite3 server over the same database copy, answering an article by id (`SELECT *`,
 * fastify's default JSON) and a list of 20 with two joins. No validation, auth, visibility rules,
 * headers or embeds: what the hardware gives before any CMS work. Prints {"port": N} when listening.
 *
 *   REFERENCE_DB=path node --import tsx bench/reference-server.ts
 */
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const db = new Database(process.env.REFERENCE_DB!, { readonly: true });
db.pragma('cache_size = -32000');
const byId = db.prepare('SELECT * FROM articles WHERE id = ?');
const list = db.prepare(
  `SELECT a.id, a.slug, a.title, a.subtitle, a.summary, a.tags, a.published_at, a.updated_at,
          s.id AS section_id, s.slug AS section_slug, s.name AS section_name,
          src.id AS source_id, src.slug AS source_slug, src.name AS source_name
   FROM articles a JOIN sections s ON s.id = a.section_id LEFT JOIN sources src ON src.id = a.source_id
   WHERE a.status = 'published' AND a.deleted_at IS NULL AND a.published_at <= ?
   ORDER BY a.published_at DESC, a.id DESC LIMIT 20`,
);

const app = Fastify({ logger: false });
app.get<{ Params: { id: string } }>('/ref/articles/:id', async (request, reply) => {
  const row = byId.get(Number(request.params.id));
  return row ?? reply.code(404).send({ error: 'not found' });
});
app.get('/ref/articles', async () => ({ data: list.all(Date.now()) }));
// The runner waits on /readyz after each scenario, as it does with Masthead.
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(JSON.stringify({ port: (app.server.address() as { port: number }).port }) + '\n');
