import { randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import type { Test } from 'tap';

/** The Redis this project's machines and CI run (issue 15); its tests fail, never skip, when it is not there. */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * A client on the test Redis and a prefix of this test's own; its keys are deleted and the client
 * closed when the test ends. Fails the test at once if Redis does not answer.
 */
export async function testRedis(t: Test) {
  const redis = new Redis(TEST_REDIS_URL, { connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  const prefix = `masthead-test:${randomUUID()}:`;
  t.teardown(async () => {
    if (redis.status === 'ready') {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    } else redis.disconnect();
  });
  try {
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis does not answer at ${TEST_REDIS_URL}; start it (redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no): ${(err as Error).message}`);
  }
  return { redis, prefix, config: { url: TEST_REDIS_URL, prefix } };
}

/** A port on 127.0.0.1 that nothing listens on: connections to it are refused. */
export async function closedPort() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A TCP relay to the test Redis that a test can break while an app uses it: `stall()` stops
 * forwarding (Redis hangs), `cut()` closes every connection and refuses new ones (Redis is gone),
 * `restore()` listens again on the same port (Redis is back).
 */
export async function redisRelay(t: Test) {
  const sockets = new Set<Socket>();
  let stalled = false;
  const server = createServer((client) => {
    const target = new URL(TEST_REDIS_URL);
    const socket = connect(Number(target.port), target.hostname);
    sockets.add(client).add(socket);
    client.on('data', (chunk) => stalled || socket.write(chunk));
    socket.on('data', (chunk) => stalled || client.write(chunk));
    const end = () => {
      client.destroy();
      socket.destroy();
    };
    client.on('close', end).on('error', end);
    socket.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const restore = async () => {
    stalled = false;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  };
  const cut = async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    for (const s of sockets) s.destroy();
    await closed;
  };
  t.teardown(async () => {
    if (server.listening) await cut();
  });
  return { url: `redis://127.0.0.1:${port}`, stall: () => void (stalled = true), cut, restore };
}
