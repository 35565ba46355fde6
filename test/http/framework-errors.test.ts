import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';

type Raw = { status: number; headers: Record<string, string>; body: string };

/** Sends raw bytes to a listening app and reads the whole answer (the server closes or answers once). */
function rawRequest(port: number, bytes: Buffer | string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      if (end >= 0 && length !== undefined && Buffer.byteLength(text.slice(end + 4)) >= Number(length)) socket.end();
    });
    socket.on('error', (e) => (chunks.length > 0 ? undefined : reject(e)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.write(bytes);
  });
}

function assertRawProblem(t: Test, res: Raw, status: number, code: string) {
  t.equal(res.status, status, `status ${status}`);
  t.match(res.headers['content-type'], /^application\/problem\+json/, 'problem+json');
  const body = JSON.parse(res.body);
  t.match(body, { status, code, type: `urn:masthead:problem:${code}` });
  t.type(body.title, 'string');
  t.type(body.detail, 'string');
  t.ok(res.headers['x-request-id'], 'a request id');
  t.equal(res.headers['x-request-id'], body.requestId, 'the same in the header and the body');
  t.equal(res.headers['x-content-type-options'], 'nosniff', 'the security headers');
  t.match(res.headers['content-security-policy'], /default-src 'none'/);
  return body;
}

async function listening(t: Test) {
  const ctx = await buildTestApp(t);
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  return { ...ctx, port: (ctx.app.server.address() as AddressInfo).port };
}

t.test('a URL fastify cannot decode, and an over-long path parameter, answer problem+json (app.inject)', async (t) => {
  const { app } = await buildTestApp(t);
  for (const url of ['/v1/articles/%ZZ', '/v1/articles/slug/%E7%94', '/v1/sections/%']) {
    const res = await call(app, { method: 'GET', url });
    const body = assertProblem(t, res, 400, 'bad-url');
    t.equal(body.instance, url.split('?')[0]);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
  }
  t.not((await call(app, { method: 'GET', url: '/v1/search?q=%ZZ' })).status, 500, 'a stray % in the query is taken as it is');
  const long = await call(app, { method: 'GET', url: `/v1/articles/slug/${'a'.repeat(600)}` });
  assertProblem(t, long, 414, 'uri-too-long');
  t.equal(long.headers['cache-control'], 'no-store');
  const chinese = await call(app, { method: 'GET', url: `/v1/articles/slug/${encodeURIComponent('甘肃'.repeat(300))}` });
  assertProblem(t, chinese, 414, 'uri-too-long');
});

t.test("what Node's parser refuses answers problem+json over a real socket", async (t) => {
  const { port } = await listening(t);
  // curl sends the bytes of a URL typed with Chinese characters as they are.
  const cjk = Buffer.concat([Buffer.from('GET /v1/search?q='), Buffer.from('甘肃', 'utf8'), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]);
  const body = assertRawProblem(t, await rawRequest(port, cjk), 400, 'bad-url');
  t.match(body.detail, /percent-encode/);
  const big = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
  assertRawProblem(t, await rawRequest(port, big), 431, 'headers-too-large');
  assertRawProblem(t, await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n'), 400, 'malformed-request');
  const encoded = await rawRequest(port, `GET /v1/search?q=${encodeURIComponent('甘肃')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  t.equal(encoded.status, 200, 'the same search, percent-encoded, is answered');
  const badUrl = await rawRequest(port, 'GET /v1/articles/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assertRawProblem(t, badUrl, 400, 'bad-url');
});

t.test('unknown routes (404) and wrong methods (405) are problems with the security headers and a request id', async (t) => {
  const { app } = await buildTestApp(t);
  const missing = await call(app, { method: 'GET', url: '/v1/nothing-here/甘肃' });
  assertProblem(t, missing, 404, 'route-not-found');
  t.equal(missing.headers['x-content-type-options'], 'nosniff');
  t.equal(missing.headers['x-request-id'], missing.body.requestId);
  const wrong = await call(app, { method: 'PUT', url: '/v1/articles', payload: {} });
  assertProblem(t, wrong, 405, 'method-not-allowed');
  t.match(wrong.headers.allow, /GET/);
  t.equal(wrong.headers['x-content-type-options'], 'nosniff');
});
