import t from 'tap';
import { testConfig } from '../../src/config.js';
import { createWebhookWorker } from '../../src/webhooks/worker.js';
import { factories } from '../helpers/factories.js';
import { hookApp, register } from './helpers.js';
import { startReceiver } from './receiver.js';

t.test('two workers on one store (two nodes) deliver each event exactly once, in order per endpoint', async (t) => {
  // Both workers' passes run at once: each leases while the other is sending; without the endpoint lease both would send the same events.
  const receiver = await startReceiver(t);
  const ctx = await hookApp(t);
  const a = await register(ctx, `${receiver.url}/a`, ['section.created']);
  const b = await register(ctx, `${receiver.url}/b`, ['section.created']);
  const other = createWebhookWorker(ctx.store, ctx.clock, { ...testConfig().webhooks, allowPrivate: true, timeoutMs: 500, publishDue: async () => 0, log: ctx.app.log });
  const f = factories(ctx);
  const names: string[] = [];
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < 4; i++) {
      const slug = `s-${round}-${i}`;
      names.push(slug);
      await f.section({ slug, name: `栏目${round}${i}` });
    }
    await Promise.all([ctx.app.webhooks.runOnce(), other.runOnce(), ctx.app.webhooks.runOnce(), other.runOnce()]);
  }
  for (let pass = 0; pass < 5; pass++) await Promise.all([ctx.app.webhooks.runOnce(), other.runOnce()]);
  const slugsAt = (path: string) => receiver.received.filter((r) => r.path === path).map((r) => (JSON.parse(r.body) as { data: { slug: string } }).data.slug);
  t.same(slugsAt('/a'), names, 'endpoint a: every event once, in order');
  t.same(slugsAt('/b'), names, 'endpoint b: every event once, in order');
  t.equal(new Set(receiver.received.map((r) => `${r.path} ${r.headers['webhook-id']}`)).size, receiver.received.length, 'no event sent twice');
  t.ok(a.id !== b.id);
});
