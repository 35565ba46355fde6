import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

/**
 * SIGTERM (src/server.ts) closes the app: the requests in flight finish, and one that arrives on
 * a kept-alive connection while the server drains is told to go elsewhere. Here, over one raw
 * connection: a write whose body is still coming holds the drain open, and the request pipelined
 * after it arrives once the server is closing. test/nodes/shutdown.test.ts does it under load.
 */
t.test('a request that arrives while the server drains is the 503 shutting-down, with Retry-After and Connection: close', async (t) => {
  const { app, auth } = await buildTestApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (c: Buffer) => (received += c));
  const ended = new Promise((r) => socket.once('close', r));
  await new Promise((r) => socket.once('connect', r));
  const body = JSON.stringify({ name: '成都' });
  socket.write(
    `POST /v1/sections HTTP/1.1\r\nHost: masthead\r\nAuthorization: ${auth.write.authorization}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
  );
  await new Promise((r) => setTimeout(r, 100));
  const closed = app.close();
  await new Promise((r) => setTimeout(r, 100));
  socket.write(`${body}GET /v1/articles HTTP/1.1\r\nHost: masthead\r\n\r\n`);
  await ended;
  await closed;
  const answers = received.split(/(?=HTTP\/1\.1 )/);
  t.equal(answers.length, 2, 'two answers on the connection');
  t.match(answers[0], /^HTTP\/1\.1 201 /, 'the write in flight finished');
  t.match(answers[1], /^HTTP\/1\.1 503 /, 'the request that came during the drain: 503');
  t.match(answers[1], /\r\ncontent-type: application\/problem\+json/i);
  t.match(answers[1], /\r\nretry-after: 1\r\n/i);
  t.match(answers[1], /\r\nconnection: close\r\n/i);
  t.match(answers[1], /"code":"shutting-down"/);
});
