import t from 'tap';
import { AppError } from '../../../src/common/errors.js';
import type { SearchRank, SearchRepo } from '../../../src/store/port.js';
import { limitSearches, searchLimitFor } from '../../../src/store/postgres/search-limit.js';

/** A repository whose rankings end when the test says: each call waits on its own deferred. */
function controlled() {
  const pending: { resolve: (r: SearchRank[]) => void; reject: (e: Error) => void }[] = [];
  let started = 0;
  const repo: SearchRepo = {
    rank: () => {
      started++;
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    details: async (ids) => ids.map((id) => ({ id }) as never),
  };
  return { repo, pending, started: () => started };
}
const tick = () => new Promise((r) => setImmediate(r));
const args = [{ phrases: [['天津']] }, {}, { editor: false, now: 0, sectionIds: null, sourceIds: null }, undefined, 21] as unknown as Parameters<SearchRepo['rank']>;

t.test('rankings past the running ones wait; past the waiting ones, the 503 search-busy with Retry-After at once', async (t) => {
  const { repo, pending, started } = controlled();
  const limited = limitSearches(repo, { running: 2, maxWaiting: 1, retryAfterS: 1 });
  const a = limited.rank(...args);
  const b = limited.rank(...args);
  const c = limited.rank(...args);
  await tick();
  t.equal(started(), 2, 'two run');
  const refused = await limited.rank(...args).catch((e: unknown) => e);
  t.ok(refused instanceof AppError && refused.code === 'search-busy' && refused.status === 503, 'the fourth is refused');
  t.equal((refused as AppError).extra.headers?.['retry-after'], '1');
  pending[0]!.resolve([{ id: 1, pub: null, rank: -1 }]);
  t.same(await a, [{ id: 1, pub: null, rank: -1 }]);
  await tick();
  t.equal(started(), 3, 'the waiting one runs once a place is free');
  pending[1]!.reject(new Error('boom'));
  await t.rejects(b, /boom/, 'a failed ranking gives its place back too');
  pending[2]!.resolve([]);
  t.same(await c, []);
  const d = limited.rank(...args);
  const e = limited.rank(...args);
  await tick();
  t.equal(started(), 5, 'both places are free again');
  pending[3]!.resolve([]);
  pending[4]!.resolve([]);
  await Promise.all([d, e]);
  t.same(await limited.details([7]), [{ id: 7 }], 'details are not limited');
});

t.test('the default share: half the pool runs, twice that waits', async (t) => {
  t.same(searchLimitFor(10), { running: 5, maxWaiting: 10, retryAfterS: 1 });
  t.same(searchLimitFor(1), { running: 1, maxWaiting: 2, retryAfterS: 1 });
});
