import t, { type Test } from 'tap';
import { bootstrapKeys } from '../../src/keys/bootstrap.js';
import { createKeyService } from '../../src/keys/service.js';
import { buildTestStore, testClock } from '../helpers/app.js';
import { capturingLogger } from '../helpers/log-capture.js';

function setup(t: Test) {
  const keys = createKeyService(buildTestStore(t), testClock());
  return { keys, log: capturingLogger() };
}

t.test('a database with no key gets one admin key, its secret logged once at warn level', async (t) => {
  const { keys, log } = setup(t);
  t.equal(await bootstrapKeys(keys, null, log.logger), 'first-key-created');
  t.equal(log.lines.length, 1);
  const line = JSON.parse(log.lines[0]!);
  t.equal(line.level, 40, 'warn');
  const secret = /(mh_[A-Za-z0-9_-]{43})/.exec(line.msg)?.[1];
  t.ok(secret, 'the secret is in the message, which redaction leaves alone');
  t.match(line.msg, /keep it/);
  const row = await keys.authenticate(secret!);
  t.equal(row?.scope, 'admin', 'and it is a working admin key');

  t.equal(await bootstrapKeys(keys, null, log.logger), 'nothing', 'the next start creates nothing');
  t.equal(log.lines.length, 1, 'and logs no secret again');
  t.equal(await keys.count(), 1);
});

t.test('MASTHEAD_ADMIN_KEY makes sure an admin key with that secret exists', async (t) => {
  const { keys, log } = setup(t);
  const secret = `mh_${'k'.repeat(40)}`;
  t.equal(await bootstrapKeys(keys, secret, log.logger), 'admin-key-created');
  t.equal((await keys.authenticate(secret))?.scope, 'admin');
  t.equal(await bootstrapKeys(keys, secret, log.logger), 'admin-key-exists', 'idempotent across restarts');
  t.equal(await keys.count(), 1, 'no first-run key besides it');
  t.notOk(log.text().includes(secret), 'an operator-chosen secret is never logged');

  const { key } = await keys.ensureAdminKey(secret);
  await keys.revoke(key.id);
  t.equal(await bootstrapKeys(keys, secret, log.logger), 'admin-key-revoked', 'a revoked key is not brought back by a restart');
  t.equal(await keys.authenticate(secret), null);
  t.match(JSON.parse(log.lines.at(-1)!), { level: 40, msg: /revoked/ });
});

t.test('a database that already has keys gets no first-run key', async (t) => {
  const { keys, log } = setup(t);
  await keys.create({ name: 'existing', scope: 'read' });
  t.equal(await bootstrapKeys(keys, null, log.logger), 'nothing');
  t.equal(log.lines.length, 0);
});
