import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Test } from 'tap';

/** The official IPTC schemas, vendored in test/fixtures/ninjs (MIT, see the licence file there). */
const STANDARDS = new URL('../fixtures/ninjs/', import.meta.url);
const load = (name: string) => JSON.parse(readFileSync(new URL(name, STANDARDS), 'utf8')) as Record<string, unknown>;

// ninjs 3.x is JSON Schema 2020-12; places[].geoJSON refers to the GeoJSON schema, registered so validation works offline.
const ajv = new Ajv2020.default({ allErrors: true });
addFormats.default(ajv);
ajv.addSchema(load('GeoJSON-schema.json'));
export const NINJS_32 = load('ninjs-schema_3.2.json');
const validate = ajv.compile(NINJS_32);

export function assertValidNinjs(t: Test, doc: unknown, what: string) {
  const ok = validate(doc);
  t.ok(ok, `${what} is valid ninjs 3.2${ok ? '' : `: ${ajv.errorsText(validate.errors)}`}`);
}

/** Proves the validator is not vacuous: a document the official schema must refuse. */
export const isValidNinjs = (doc: unknown) => validate(doc) as boolean;
