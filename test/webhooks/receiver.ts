import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { Webhook } from 'standardwebhooks';

export type Received = { path: string; headers: IncomingHttpHeaders; body: string; payload: { type: string; timestamp: string; data: Record<string, unknown> } | null; verified: boolean };
/** What the receiver answers the n-th request with: a status, or 'hang' (never answer), or a redirect. */
export type Behaviour = (n: number, path: string) => number | 'hang' | { redirect: string };

/**
 * A real HTTP endpoint on 127.0.0.1 (port 0) that checks each delivery's signature with the
 * standardwebhooks package, records it, and answers as `behaviour` says (204 by default).
 */
export async function startReceiver(t: Test, opts: { behaviour?: Behaviour } = {}) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const waiters: (() => void)[] = [];
  let secret: string | null = null;
  let behaviour: Behaviour = opts.behaviour ?? (() => 204);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      let payload = null;
      try {
        payload = new Webhook(secret!).verify(body, req.headers as Record<string, string>) as Received['payload'];
        verified = true;
      } catch {
        verified = false;
      }
      received.push({ path: req.url ?? '', headers: req.headers, body, payload, verified });
      waiters.splice(0).forEach((w) => w());
      const answer = behaviour(received.length, req.url ?? '');
      if (answer === 'hang') return void hanging.push(res);
      if (typeof answer === 'object') return void res.writeHead(302, { location: answer.redirect }).end();
      res.writeHead(answer).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(async () => {
    hanging.forEach((r) => r.destroy());
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    /** The secret to verify with (the one the API returned when the endpoint was registered). */
    useSecret: (s: string) => void (secret = s),
    answer: (b: Behaviour) => void (behaviour = b),
    /** Resolves once `n` requests have arrived (for the worker's own timer; no sleeping). */
    until: (n: number) => new Promise<void>((resolve) => {
      const check = () => (received.length >= n ? resolve() : waiters.push(check));
      check();
    }),
  };
}
