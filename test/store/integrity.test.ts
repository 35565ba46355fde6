import t from 'tap';
import { createIntegrityWatch, type QuickCheck } from '../../src/store/integrity.js';

const REPAIR = { repair: 'Restore a backup.', offReason: 'nothing to check' };

t.test('damage fails readiness as soon as it is found, names the first three, and stays', async (t) => {
  let finish = () => {};
  const run: QuickCheck = (progress) => {
    progress.total(6);
    progress.checked([]);
    progress.checked(['table a: bad page']);
    return new Promise<void>((resolve) => {
      finish = () => {
        progress.checked(['table b: x', 'table b: y', 'table b: z'], 4);
        resolve();
      };
    });
  };
  const watch = createIntegrityWatch(run, REPAIR);
  const outcome = watch.start();
  t.throws(() => watch.sound(), { code: 'database-damaged', status: 503, message: 'The start-up check found damage: table a: bad page. Restore a backup.' }, 'while the check still runs');
  finish();
  t.match(await outcome, { state: 'damaged', message: /table a: bad page; table b: x; table b: y, and 1 more\. Restore a backup\. \(6 objects of 6 checked in [\d.]+ m?s\)/ });
  t.throws(() => watch.sound(), { code: 'database-damaged' });
  t.equal(watch.start(), outcome, 'started once');
});

t.test('a check that fails (its thread died): incomplete with the reason; readiness holds', async (t) => {
  const watch = createIntegrityWatch(async (progress) => {
    progress.total(3);
    progress.checked([]);
    throw new Error("the check's thread stopped (exit code 1)");
  }, REPAIR);
  t.match(await watch.start(), { state: 'incomplete', message: /incomplete \(1 object of 3 checked in [\d.]+ m?s\): the check's thread stopped/ });
  t.match(watch.sound(), { state: 'incomplete', checked: 1, total: 3, reason: "the check could not finish: the check's thread stopped (exit code 1)" });
});

t.test('not started, and nothing to run', async (t) => {
  const idle = createIntegrityWatch(async () => undefined, REPAIR);
  t.same(idle.sound(), { state: 'off', checked: 0, total: null, tookMs: null, reason: 'not started (DATABASE_STARTUP_CHECK=off)' });
  await idle.stop();
  const none = createIntegrityWatch(null, REPAIR);
  t.match(await none.start(), { state: 'off', message: /nothing to check/ });
  t.match(none.sound(), { state: 'off', reason: 'nothing to check' });
});
