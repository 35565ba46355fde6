import t from 'tap';
import { emptyDatabase } from '../helpers/postgres.js';
import { ADMIN_KEY, startNodes } from '../helpers/nodes.js';

/**
 * A rolling deploy's first moments: nodes started at the same moment on an empty database. One
 * applies the migrations under the advisory lock, the others wait for it and find nothing to do;
 * none fails, and the keys made at first start are made once.
 */
t.test('three nodes started at once on an empty database: all serve, migrations applied once, one first admin key', async (t) => {
  const url = await emptyDatabase(t);
  const nodes = await startNodes(t, 3, url, { env: { MASTHEAD_DEMO: 'on' } });
  for (const node of nodes) {
    const ready = await node.call('/readyz');
    t.equal(ready.status, 200, `node ${node.name} is ready`);
  }
  const announced = nodes.flatMap((n) => [...n.log().matchAll(/admin key was created[^:]*: (mh_[A-Za-z0-9_-]{43})/g)].map((m) => m[1]!));
  t.equal(announced.length, 1, 'one node made the first admin key and logged it; the others found it');
  const key = announced[0]!;
  const keys = (await (await nodes[2]!.call('/v1/keys', { key })).json()) as { data: { name: string; scope: string }[] };
  t.same(
    keys.data.map((k) => [k.name, k.scope]),
    [['first admin key', 'admin']],
    'one key in the database',
  );
  const demo = nodes.filter((n) => /loaded the demo content/.test(n.log()));
  t.equal(demo.length, 1, 'the demo content is loaded by the node that made the database only');
  const list = (await (await nodes[1]!.call('/v1/articles?limit=100')).json()) as { data: { slug: string }[] };
  t.equal(new Set(list.data.map((a) => a.slug)).size, list.data.length, 'no article twice');
  t.ok(list.data.length > 0, 'the demo is there');
});

t.test('three nodes started at once with MASTHEAD_ADMIN_KEY: all start, the key is created once and works on each', async (t) => {
  const url = await emptyDatabase(t);
  const nodes = await startNodes(t, 3, url, { env: { MASTHEAD_ADMIN_KEY: ADMIN_KEY }, key: ADMIN_KEY });
  const created = nodes.filter((n) => /created the admin key from MASTHEAD_ADMIN_KEY/.test(n.log()));
  t.equal(created.length, 1, 'one node created it');
  t.equal(nodes.filter((n) => /MASTHEAD_ADMIN_KEY: admin key present/.test(n.log())).length, 2, 'the others found it');
  for (const node of nodes) t.equal((await node.call('/v1/keys')).status, 200, `the key works on node ${node.name}`);
  const keys = (await (await nodes[0]!.call('/v1/keys')).json()) as { data: unknown[] };
  t.equal(keys.data.length, 1, 'and it is the only key');
});
