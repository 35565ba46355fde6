import t from 'tap';
import { isForbiddenAddress, resolveTarget, type Resolver } from '../../src/webhooks/guard.js';
import { deliver } from '../../src/webhooks/send.js';
import { buildTestApp, call } from '../helpers/app.js';
import { factories } from '../helpers/factories.js';
import { startReceiver } from './receiver.js';

t.test('forbidden and allowed addresses', async (t) => {
  const forbidden = [
    '127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '100.127.255.254',
    '0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250', '255.255.255.255', '::1', '::', 'fc00::1', 'fd00:ec2::254', 'fe80::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '64:ff9b::a00:1', 'not-an-ip',
  ];
  for (const a of forbidden) t.ok(isForbiddenAddress(a), `${a} is refused`);
  for (const a of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) t.notOk(isForbiddenAddress(a), `${a} is allowed`);
});

const fake = (addresses: string[]): Resolver => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

t.test('a hostname is checked after DNS resolution, every address of it', async (t) => {
  await t.rejects(resolveTarget('https://partner.example/hook', false, fake(['127.0.0.1'])), /Refused: partner.example resolves to 127.0.0.1/);
  await t.rejects(resolveTarget('https://partner.example/hook', false, fake(['93.184.216.34', '10.1.2.3'])), /resolves to 10\.1\.2\.3/);
  await t.rejects(resolveTarget('https://partner.example/hook', false, fake(['::ffff:192.168.0.1'])), /resolves to ::ffff:192.168.0.1/);
  await t.rejects(resolveTarget('https://partner.example/hook', false, fake([])), /no address/);
  await t.rejects(resolveTarget('https://partner.example/hook', false, async () => Promise.reject(new Error('ENOTFOUND'))), /DNS lookup .* failed/);
  const ok = await resolveTarget('https://partner.example/hook', false, fake(['93.184.216.34']));
  t.match(ok, { address: '93.184.216.34', family: 4 }, 'the vetted address is the one connected to');
  t.match(await resolveTarget('https://partner.example/hook', true, fake(['127.0.0.1'])), { address: '127.0.0.1' }, 'allowed when private addresses are');
  // localhost resolves through /etc/hosts: no traffic leaves the machine.
  await t.rejects(resolveTarget('http://localhost:9/', false), /private, loopback or link-local/);
});

t.test('with WEBHOOK_ALLOW_PRIVATE off, deliveries to private addresses are refused and nothing is sent', async (t) => {
  const receiver = await startReceiver(t);
  const ctx = await buildTestApp(t);
  // Registration refuses these URLs, so put them in as an older or hand-edited database could hold them.
  // The repository stores what it is given: the URL checks live in the webhooks service, which this skips.
  const insert = (url: string) => ctx.store.write((tx) => tx.webhooks.insert({ url, events: ['*'], secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', createdAt: 0 }));
  const urls = [receiver.url, `http://localhost:${receiver.port}/`, `http://[::1]:${receiver.port}/`, `http://[::ffff:127.0.0.1]:${receiver.port}/`, 'http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data'];
  const ids: number[] = [];
  for (const u of urls) ids.push((await insert(u)).id);
  await factories(ctx).section();
  t.same(await ctx.app.webhooks.runOnce(), { delivered: 0, failed: urls.length });
  t.same(receiver.received, [], 'the receiver on 127.0.0.1 got nothing');
  for (const [i, id] of ids.entries()) {
    const d = (await call(ctx.app, { method: 'GET', url: `/v1/webhooks/${id}/deliveries`, headers: ctx.auth.admin })).body.data[0];
    t.match(d, { status: 'pending', attempts: 1, lastStatusCode: null, lastError: /^Refused/ }, String(urls[i]));
  }
});

t.test('the connection goes to the vetted address, not to a second lookup', async (t) => {
  const receiver = await startReceiver(t);
  let lookups = 0;
  const resolver: Resolver = async () => {
    lookups++;
    return [{ address: '127.0.0.1', family: 4 }];
  };
  const outcome = await deliver({ url: `http://partner.invalid:${receiver.port}/hook`, secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', id: 'msg_1', body: '{}' }, { allowPrivate: true, timeoutMs: 1000, resolve: resolver });
  t.same(outcome, { ok: true, status: 204, error: null });
  t.equal(lookups, 1, 'resolved once');
  t.equal(receiver.received[0]!.headers.host, `partner.invalid:${receiver.port}`, 'the Host header keeps the name');
});
