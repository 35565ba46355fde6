import t from 'tap';
import { AppError } from '../../src/common/errors.js';
import { createSectionService } from '../../src/sections/service.js';
import { buildTestApp, call } from '../helpers/app.js';

/** The change feed as an admin reads it: every event written so far. */
async function feed(ctx: Awaited<ReturnType<typeof buildTestApp>>) {
  const res = await call(ctx.app, { method: 'GET', url: '/v1/changes?limit=100', headers: ctx.auth.admin });
  t.equal(res.status, 200);
  return res.body.data as { resource: string; op: string }[];
}

t.test('a failure after the content write leaves no row and no feed event behind', async (t) => {
  const ctx = await buildTestApp(t);
  const before = (await feed(ctx)).length;
  const failing = createSectionService(ctx.store, ctx.clock, {
    section: async () => {
      throw new Error('the outbox is gone');
    },
  });
  await t.rejects(failing.create({ slug: 'tianjin', name: '天津' }), /the outbox is gone/);
  t.equal(await ctx.store.sections.bySlug('tianjin'), undefined, 'the section was rolled back');
  t.equal((await feed(ctx)).length, before, 'no change event');
  const ok = await call(ctx.app, { method: 'POST', url: '/v1/sections', headers: ctx.auth.write, payload: { slug: 'tianjin', name: '天津' } });
  t.equal(ok.status, 201, 'the slug is free: nothing of the failed unit was kept');
  t.match(await feed(ctx), [{ resource: 'section', op: 'create' }]);
});

t.test('a unit commits everything written through tx, or nothing', async (t) => {
  const { store, clock } = await buildTestApp(t);
  const values = (slug: string) => ({ slug, name: slug, description: null, parentId: null, position: 0, createdAt: clock() });
  await store.write(async (tx) => {
    await tx.sections.insert(values('a'));
    await tx.sections.insert(values('b'));
  });
  t.ok(await store.sections.bySlug('a'));
  t.ok(await store.sections.bySlug('b'));
  await t.rejects(
    store.write(async (tx) => {
      await tx.sections.insert(values('c'));
      await tx.sections.insert(values('a'));
    }),
    { code: 'slug-taken', status: 409 },
    'a unique violation is the 409 of the catalogue',
  );
  t.equal(await store.sections.bySlug('c'), undefined, 'the first insert went with the second');
});

t.test('a savepoint undoes its own part only; afterCommit runs once the unit has committed', async (t) => {
  const { store, clock } = await buildTestApp(t);
  const values = (slug: string) => ({ slug, name: slug, description: null, parentId: null, position: 0, createdAt: clock() });
  const ran: string[] = [];
  await store.write(async (tx) => {
    await tx.sections.insert(values('kept'));
    await t.rejects(tx.savepoint(async (sp) => {
      await sp.sections.insert(values('undone'));
      throw new AppError('invalid-line', 'this line is bad');
    }));
    tx.afterCommit(() => ran.push('after'));
    t.same(ran, [], 'not before the commit');
  });
  t.same(ran, ['after']);
  t.ok(await store.sections.bySlug('kept'));
  t.equal(await store.sections.bySlug('undone'), undefined);
  await t.rejects(
    store.write(async (tx) => {
      tx.afterCommit(() => ran.push('rolled back'));
      throw new Error('no');
    }),
  );
  t.same(ran, ['after'], 'a unit that rolls back runs no hook');
});

t.test('units started at the same moment: none loses an update (SQLite: they take turns, each sees the one before)', async (t) => {
  const { store, clock } = await buildTestApp(t);
  const turns = store.dialect === 'sqlite';
  await store.write(async (tx) => void (await tx.sections.insert({ slug: 'count', name: '0', description: null, parentId: null, position: 0, createdAt: clock() })));
  const bump = () =>
    store.write(async (tx) => {
      const row = (await tx.sections.bySlug('count'))!;
      await new Promise((resolve) => setImmediate(resolve));
      const next = await tx.sections.update(row.id, row.version, { name: String(Number(row.name) + 1), updatedAt: clock() });
      // PostgreSQL runs the units side by side: an update at a version another unit moved since changes nothing.
      if (turns) t.ok(next, 'the version read is still current');
      return next !== undefined;
    });
  const won = (await Promise.all(Array.from({ length: 10 }, bump))).filter(Boolean).length;
  if (turns) t.equal(won, 10, 'every unit saw the one before');
  else t.ok(won >= 1, `${won} of 10 units updated at the version they read`);
  t.match(await store.sections.bySlug('count'), { name: String(won), version: won + 1 }, 'no update was lost: each one that went through counted once');
});

t.test('an update at a version the row no longer has changes nothing', async (t) => {
  const { store, clock } = await buildTestApp(t);
  const row = await store.write((tx) => tx.sections.insert({ slug: 's', name: 's', description: null, parentId: null, position: 0, createdAt: clock() }));
  t.equal(await store.write((tx) => tx.sections.update(row.id, row.version + 1, { name: 'stale', updatedAt: clock() })), undefined);
  t.equal(await store.write((tx) => tx.sections.delete(row.id, row.version + 1)), false);
  t.match(await store.sections.byId(row.id), { name: 's', version: 1 });
});

for (const kind of ['sections', 'sources'] as const) {
  const body = (slug?: string) => (kind === 'sections' ? { name: '天津', ...(slug && { slug }) } : { name: '天津日报', ...(slug && { slug }) });

  t.test(`${kind}: two creates of the same slug at once: one 201, one 409`, async (t) => {
    const { app, auth } = await buildTestApp(t);
    const post = () => call(app, { method: 'POST', url: `/v1/${kind}`, headers: auth.write, payload: body('tianjin') });
    const answers = await Promise.all([post(), post()]);
    t.same(answers.map((a) => a.status).sort(), [201, 409]);
    t.equal(answers.find((a) => a.status === 409)!.body.code, 'slug-taken');
  });

  t.test(`${kind}: two creates of the same name at once get two slugs`, async (t) => {
    const { app, auth } = await buildTestApp(t);
    const post = () => call(app, { method: 'POST', url: `/v1/${kind}`, headers: auth.write, payload: body() });
    const answers = await Promise.all([post(), post(), post()]);
    t.same(answers.map((a) => a.status), [201, 201, 201]);
    t.equal(new Set(answers.map((a) => a.body.slug)).size, 3, 'base, base-2, base-3');
  });

  t.test(`${kind}: two updates with the same If-Match at once: one 200, one 412, no lost update`, async (t) => {
    const { app, auth } = await buildTestApp(t);
    const created = await call(app, { method: 'POST', url: `/v1/${kind}`, headers: auth.write, payload: body('tianjin') });
    const patch = (name: string) =>
      call(app, { method: 'PATCH', url: `/v1/${kind}/${created.body.id}`, headers: { ...auth.write, 'if-match': '"1"' }, payload: { name } });
    const answers = await Promise.all([patch('甲'), patch('乙')]);
    t.same(answers.map((a) => a.status).sort(), [200, 412]);
    const winner = answers.find((a) => a.status === 200)!;
    t.match(answers.find((a) => a.status === 412)!.body, { code: 'version-mismatch', currentVersion: 2 });
    const now = await call(app, { method: 'GET', url: `/v1/${kind}/${created.body.id}` });
    t.match(now.body, { name: winner.body.name, version: 2 }, 'the stored state is the winner’s');
  });
}

t.test('the content generation moves once a unit that changed content commits, not before, and not for a rollback', async (t) => {
  const { store, clock } = await buildTestApp(t);
  const values = (slug: string) => ({ slug, name: slug, description: null, parentId: null, position: 0, createdAt: clock() });
  const start = await store.contentGeneration();
  let inside = -1;
  await store.write(async (tx) => {
    await tx.sections.insert(values('g1'));
    tx.contentChanged();
    inside = await store.contentGeneration();
  });
  t.equal(inside, start, 'not while the unit is open: a reader could still cache the old state');
  const after = await store.contentGeneration();
  t.not(after, start, 'moved by the commit');
  await t.rejects(
    store.write(async (tx) => {
      tx.contentChanged();
      throw new Error('no');
    }),
  );
  t.equal(await store.contentGeneration(), after, 'a unit that rolled back changed nothing');
  await store.write(async (tx) => void (await tx.sections.insert(values('g2'))));
  t.equal(await store.contentGeneration(), after, 'a unit that did not say it changed content leaves it');
});
