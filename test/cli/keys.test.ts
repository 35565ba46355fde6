import t, { type Test } from 'tap';
import { keysCommand } from '../../src/cli/keys.js';
import { createKeyService } from '../../src/keys/service.js';
import { buildTestStore, testClock } from '../helpers/app.js';

function setup(t: Test) {
  const storage = buildTestStore(t);
  const clock = testClock();
  const out: string[] = [];
  const err: string[] = [];
  const run = (...argv: string[]) => keysCommand(argv, storage, { out: (l) => out.push(l), err: (l) => err.push(l) }, clock);
  return { storage, clock, out, err, run, store: createKeyService(storage, clock) };
}

t.test('keys create prints the secret once; it works; list never shows it', async (t) => {
  const { storage, out, run, store } = setup(t);
  await storage.write((tx) => tx.sections.insert({ slug: 'tianjin', name: '天津', description: null, parentId: null, position: 0, createdAt: 0 }));
  t.equal(await run('create', '--name', 'partner X', '--scope', 'read', '--sections', 'tianjin'), 0);
  const secret = /(mh_[A-Za-z0-9_-]{43})/.exec(out.join('\n'))?.[1];
  t.ok(secret, 'the secret is printed');
  t.match(out.join('\n'), /shown only this once/);
  const row = await store.authenticate(secret!);
  t.match(row, { name: 'partner X', scope: 'read', sections: ['tianjin'], sources: null });

  out.length = 0;
  t.equal(await run('list'), 0);
  t.match(out[0], /^ID\s+NAME\s+SCOPE\s+PREFIX/);
  t.match(out[1], /^1\s+partner X\s+read\s+mh_\S{7}…\s+sections=tianjin/);
  t.notOk(out.join('\n').includes(secret!), 'no secret in the list');
});

t.test('keys revoke stops the key; bad input answers with a usage error', async (t) => {
  const { out, err, run, store } = setup(t);
  const key = await store.create({ name: 'importer', scope: 'write' });
  t.equal(await run('revoke', String(key.id)), 0);
  t.match(out.at(-1), /Revoked key 1 \(importer\)/);
  t.equal(await store.authenticate(key.secret), null);
  t.equal(await run('revoke', String(key.id)), 0, 'revoking twice is fine');

  t.equal(await run('revoke', '42'), 1);
  t.match(err.at(-1), /API key 42 was not found/);
  for (const argv of [['revoke'], ['revoke', 'abc'], ['revoke', '1', '2'], ['create', '--scope', 'read'], ['create', '--name', 'x', '--scope', 'root'], ['create', '--nmae', 'x'], ['rotate'], []]) {
    t.equal(await run(...argv), 2, `masthead keys ${argv.join(' ')} is a usage error`);
  }
  t.match(err.join('\n'), /--name: is required/);
  t.match(err.join('\n'), /--scope: Invalid option/);
  t.equal(await run('create', '--name', 'p', '--scope', 'read', '--sources', 'nowhere'), 1);
  t.match(err.join('\n'), /\/sources\/0: No source has the slug nowhere/);
  t.equal(await store.count(), 1, 'nothing was created by the refused commands');
});

t.test('keys list on an empty database', async (t) => {
  const { out, run } = setup(t);
  t.equal(await run('list'), 0);
  t.same(out, ['No API keys.']);
});
