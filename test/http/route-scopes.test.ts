import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import type { Scope } from '../../src/http/principal.js';
import { buildTestApp, createKey, type AuthHeader } from '../helpers/app.js';
import { factories } from '../helpers/factories.js';

type Doc = { paths: Record<string, Record<string, { 'x-scope'?: Scope; tags?: string[] }>> };
type Caller = { name: string; rank: number; headers: Partial<AuthHeader> };

const RANK: Record<Scope, number> = { public: 0, read: 1, write: 2, admin: 3 };
/** A placeholder for every path parameter: ids that exist nowhere, so no call changes a real row (or revokes a test key). */
const fill = (path: string) => path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'slug' ? 'no-such-slug' : '9999'));

/**
 * Calls every operation of the generated document as each caller and checks the scope boundary:
 * below the operation's x-scope the answer is 401 (no key) or 403 (a key); at or above it the
 * route runs (400/404 are fine: the placeholders are not real). Never a 500. A route added later
 * is in the document, so it is checked too.
 */
async function walk(t: Test, app: FastifyInstance, callers: Caller[], publicRead: boolean) {
  const doc = app.swagger() as unknown as Doc;
  let calls = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const scope = op['x-scope'];
      t.ok(scope, `${method.toUpperCase()} ${path} declares a scope`);
      if (!scope) continue;
      const write = !['get', 'head'].includes(method);
      for (const caller of callers) {
        const res = await app.inject({
          method: method.toUpperCase() as 'GET',
          url: fill(path),
          headers: caller.headers,
          ...(write ? { payload: {} } : {}),
        });
        calls++;
        const label: string = `${method.toUpperCase()} ${path} (${scope}) as ${caller.name}: ${res.statusCode}`;
        t.not(res.statusCode, 500, label);
        const probe = op.tags?.includes('system') ?? false;
        const open = caller.rank >= RANK[scope] && (publicRead || caller.rank > 0 || probe);
        if (!open) t.equal(res.statusCode, caller.rank === 0 ? 401 : 403, label);
        else t.notOk([401, 403].includes(res.statusCode), label);
      }
    }
  }
  return calls;
}

async function callers(ctx: Awaited<ReturnType<typeof buildTestApp>>): Promise<Caller[]> {
  await factories(ctx).section({ slug: 'tianjin' });
  const partner = await createKey(ctx.store, ctx.clock, { scope: 'read', sections: ['tianjin'] });
  return [
    { name: 'no key', rank: 0, headers: {} },
    { name: 'a read key', rank: 1, headers: ctx.auth.read },
    { name: 'a partner read key', rank: 1, headers: partner.header },
    { name: 'a write key', rank: 2, headers: ctx.auth.write },
    { name: 'an admin key', rank: 3, headers: ctx.auth.admin },
  ];
}

t.test('every operation in the document × every kind of caller', async (t) => {
  const ctx = await buildTestApp(t);
  const calls = await walk(t, ctx.app, await callers(ctx), true);
  t.ok(calls >= 5 * 25, `${calls} calls`);
});

t.test('the same walk with public read off: anonymous callers get 401 everywhere but the probes', async (t) => {
  const ctx = await buildTestApp(t, { publicRead: false });
  await walk(t, ctx.app, await callers(ctx), false);
});
