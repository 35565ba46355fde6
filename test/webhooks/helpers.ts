import type { Test } from 'tap';
import { testConfig, type Config } from '../../src/config.js';
import { buildTestApp, call, type TestApp } from '../helpers/app.js';

/** A test app whose webhooks may call 127.0.0.1 (where the receiver is), with a short timeout; the worker is driven by the test. */
export function hookApp(t: Test, webhooks: Partial<Config['webhooks']> = {}): Promise<TestApp> {
  return buildTestApp(t, { webhooks: { ...testConfig().webhooks, allowPrivate: true, timeoutMs: 500, ...webhooks } });
}

/** Registers an endpoint through the API; returns its id and secret. */
export async function register(ctx: TestApp, url: string, events: string[] = ['*']): Promise<{ id: number; secret: string }> {
  const res = await call(ctx.app, { method: 'POST', url: '/v1/webhooks', payload: { url, events }, headers: ctx.auth.admin });
  if (res.status !== 201) throw new Error(`POST /v1/webhooks answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function deliveries(ctx: TestApp, id: number) {
  return (await call(ctx.app, { method: 'GET', url: `/v1/webhooks/${id}/deliveries?limit=100`, headers: ctx.auth.admin })).body.data as {
    id: number;
    eventId: string;
    eventType: string;
    status: string;
    attempts: number;
    nextAttemptAt: string | null;
    lastStatusCode: number | null;
    lastError: string | null;
  }[];
}
