import { buildApp } from '../app.js';
import { testConfig } from '../config.js';
import { migrateDatabase, openDatabase } from '../db/connection.js';

/** The OpenAPI document exactly as the app serves it at /openapi.json, for a server at localhost:3000. */
export async function generateOpenApi(): Promise<string> {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const app = await buildApp(testConfig({ publicBaseUrl: 'http://localhost:3000' }), { db });
  await app.ready();
  const doc = JSON.stringify(app.swagger(), null, 2) + '\n';
  await app.close();
  db.$client.close();
  return doc;
}
