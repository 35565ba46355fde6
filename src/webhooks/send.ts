import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolveTarget, type Resolver } from './guard.js';

export const SECRET_PREFIX = 'whsec_';

/** A new signing secret in the Standard Webhooks form: whsec_ + base64 of 32 random bytes. */
export const newSecret = () => SECRET_PREFIX + randomBytes(32).toString('base64');

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the decoded secret (Standard Webhooks). */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export type Outcome = { ok: boolean; status: number | null; error: string | null };
export type SendOptions = { allowPrivate: boolean; timeoutMs: number; resolve?: Resolver; now?: () => number };
export type Message = { url: string; secret: string; id: string; body: string };

/** Answers the socket's lookup with the address that was checked, whatever options it asks with. */
const pinned = (address: string, family: 4 | 6): LookupFunction =>
  ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;

/**
 * POSTs one signed message. Redirects are not followed (a 3xx is a failed attempt): following one
 * would mean checking another host, and a receiver has no reason to move its endpoint silently.
 * Only the status is kept of the answer; its body is read and dropped.
 */
export async function deliver(message: Message, opts: SendOptions): Promise<Outcome> {
  let target;
  try {
    target = await resolveTarget(message.url, opts.allowPrivate, opts.resolve);
  } catch (err) {
    return { ok: false, status: null, error: (err as Error).message };
  }
  // The signature's time is the wall clock's: receivers compare it with theirs.
  const timestamp = Math.floor((opts.now ?? Date.now)() / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Masthead-Webhooks/1',
    'webhook-id': message.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(message.secret, message.id, timestamp, message.body),
    'content-length': String(Buffer.byteLength(message.body)),
  };
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise<Outcome>((resolve) => {
    const request = client.request(target.url, { method: 'POST', headers, lookup: pinned(target.address, target.family), timeout: opts.timeoutMs }, (response) => {
      response.on('error', (err) => {
        clearTimeout(deadline);
        resolve({ ok: false, status: response.statusCode ?? null, error: err.message });
      });
      response.resume();
      response.on('end', () => {
        clearTimeout(deadline);
        const status = response.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        resolve({ ok, status, error: ok ? null : status >= 300 && status < 400 ? `Redirect to ${response.headers.location ?? '?'} not followed` : `HTTP ${status}` });
      });
    });
    // A whole-call deadline: the socket timeout alone restarts with every byte a slow receiver sends.
    const deadline = setTimeout(() => request.destroy(new Error(`Timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
    request.on('timeout', () => request.destroy(new Error(`Timed out after ${opts.timeoutMs} ms`)));
    request.on('error', (err) => {
      clearTimeout(deadline);
      resolve({ ok: false, status: null, error: err.message });
    });
    request.end(message.body);
  });
}
