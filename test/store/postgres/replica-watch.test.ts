// PostgreSQL-specific: the PostgreSQL adapter's replica watch, on pools that answer as a primary and a standby do (and on the real server, which is no standby).
import t from 'tap';
import type pg from 'pg';
import { createLagMeter, lsnOf, watchReplica } from '../../../src/store/postgres/replica.js';
import type { ReplicaStatus } from '../../../src/store/port.js';
import { freshDatabase } from '../../helpers/postgres.js';
import { createPool } from '../../../src/store/postgres/connection.js';

t.test('WAL positions order as PostgreSQL orders them', async (t) => {
  t.ok(lsnOf('0/FF') < lsnOf('1/0'), 'the high word first');
  t.ok(lsnOf('16/B374D848') > lsnOf('16/B374D847'));
  t.equal(lsnOf('16/B374D848'), (0x16n << 32n) | 0xb374d848n);
  t.equal(lsnOf('0/0'), 0n);
});

t.test('the lag bound: unknown until a measured position is replayed, then the time since the newest one replayed', async (t) => {
  let now = 1000;
  const meter = createLagMeter(() => now);
  t.equal(meter.lagMs(), null, 'never measured');
  meter.primaryAt(1000, 100n);
  meter.replayed(99n);
  t.equal(meter.lagMs(), null, 'not replayed yet');
  now = 1200;
  meter.primaryAt(1200, 150n);
  meter.replayed(120n);
  t.equal(meter.lagMs(), 200, 'holds what the primary had at 1000: at most 200 ms behind');
  now = 5000;
  t.equal(meter.lagMs(), 4000, 'the bound grows by itself while nothing more is seen replayed');
  meter.replayed(150n);
  t.equal(meter.lagMs(), 3800, 'the position of 1200 replayed');
  meter.primaryAt(5000, 150n);
  meter.replayed(150n);
  t.equal(meter.lagMs(), 0, 'an idle primary: the same position, replayed at once');
  for (let i = 0; i < 1500; i++) meter.primaryAt(6000 + i, 200n + BigInt(i));
  now = 8000;
  meter.replayed(200n + 1499n);
  t.equal(meter.lagMs(), 8000 - 7499, 'many positions pending: the newest replayed still counts');
});

type Row = Record<string, unknown>;
const fakePool = (answer: () => Row | Promise<Row>) => ({ query: async () => ({ rows: [await answer()] }) }) as unknown as pg.Pool;

t.test('serving: a standby of this primary, no further behind than allowed; each turn told once', async (t) => {
  let now = 0;
  let primaryLsn = '0/100';
  let replayed = '0/100';
  let replica: () => Row = () => ({ standby: true, lsn: replayed, id: '42' });
  const watch = watchReplica(
    fakePool(() => ({ lsn: primaryLsn, id: '42' })),
    fakePool(() => replica()),
    { maxLagMs: 1000, pollMs: 60_000, now: () => now },
  );
  const turns: ReplicaStatus[] = [];
  watch.onChange((s) => turns.push(s));
  t.same(watch.status(), { serving: false, lagMs: null, reason: 'not measured yet' });
  await watch.start();
  t.teardown(() => watch.stop());
  t.same(watch.status(), { serving: true, lagMs: 0, reason: null }, 'current');
  t.equal(turns.length, 1);

  primaryLsn = '0/200';
  now = 500;
  // A measurement by hand (the timer is a minute away): start() measured at 0, this one at 500.
  await watch.measure();
  t.equal(watch.serving(), true, 'behind, but by less than the limit');
  now = 1001;
  t.equal(watch.serving(), false, 'past the limit by time alone: no measurement needed');
  t.match(watch.status(), { lagMs: 1001, reason: 'more than 1000 ms behind the primary' });
  t.equal(turns.length, 2);
  t.equal(turns[1]!.serving, false);

  replayed = '0/200';
  now = 1100;
  await watch.measure();
  t.equal(watch.serving(), true, 'caught up');
  t.match(watch.status(), { lagMs: 0 }, 'the position read at 1100 is replayed');

  watch.failed(Object.assign(new Error('syntax error'), { code: '42601' }));
  t.equal(watch.serving(), true, 'a statement’s own error says nothing of the replica');
  watch.failed(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
  t.equal(watch.serving(), false, 'a lost connection leaves it out at once');
  t.match(watch.status().reason, /^does not answer \(connect ECONNREFUSED/);

  replica = () => ({ standby: false, lsn: null, id: '42' });
  await watch.measure();
  t.match(watch.status().reason, /^not a standby/, 'promoted, or the primary itself');
  replica = () => ({ standby: true, lsn: '0/200', id: '7' });
  await watch.measure();
  t.match(watch.status().reason, /^not a replica of this primary/, 'a standby of another primary: its positions mean nothing here');
  replica = () => {
    throw new Error('Connection terminated unexpectedly');
  };
  await watch.measure();
  t.match(watch.status().reason, 'does not answer (Connection terminated unexpectedly)');
  t.same(
    turns.map((s) => s.serving),
    [true, false, true, false],
    'each turn told once',
  );
});

t.test('a primary that does not answer measures nothing; the bound grows meanwhile', async (t) => {
  let now = 0;
  let primaryUp = true;
  const watch = watchReplica(
    fakePool(() => {
      if (!primaryUp) throw new Error('Connection terminated');
      return { lsn: '0/100', id: '1' };
    }),
    fakePool(() => ({ standby: true, lsn: '0/100', id: '1' })),
    { maxLagMs: 1000, pollMs: 60_000, now: () => now },
  );
  await watch.start();
  t.teardown(() => watch.stop());
  t.equal(watch.serving(), true);
  primaryUp = false;
  now = 2000;
  await watch.measure();
  t.equal(watch.serving(), false, 'not seen current for 2 s');
});

t.test('on the real server: the database itself named as its replica is no standby', async (t) => {
  const url = await freshDatabase(t);
  const pool = createPool(url);
  t.teardown(() => pool.end());
  const watch = watchReplica(pool, pool, { maxLagMs: 1000, pollMs: 20 });
  await watch.start();
  t.teardown(() => watch.stop());
  t.equal(watch.serving(), false);
  t.match(watch.status().reason, /^not a standby/);
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.match(watch.status().reason, /^not a standby/, 'measured again and again, the same');
});
