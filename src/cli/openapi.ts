import { buildApp } from '../app.js';
import { testConfig } from '../config.js';
import { openStore } from '../store/open.js';

/** The OpenAPI document exactly as the app serves it at /openapi.json, for a server at localhost:3000. */
export async function generateOpenApi(): Promise<string> {
  const { store } = await openStore({ databasePath: ':memory:' });
  const app = await buildApp(testConfig({ publicBaseUrl: 'http://localhost:3000' }), { store });
  await app.ready();
  const doc = JSON.stringify(app.swagger(), null, 2) + '\n';
  await app.close();
  await store.close();
  return doc;
}
