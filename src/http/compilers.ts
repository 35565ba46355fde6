import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import fastJson from 'fast-json-stringify';
import { z } from 'zod';
import { fieldProblems } from './errors.js';
import { badRequest, type FieldProblem } from '../common/errors.js';

const PARTS: Record<string, FieldProblem['in']> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/** Request parts are parsed by their zod schema; failures become one 400 naming every field. */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    const errors = fieldProblems(result.error.issues, PARTS[httpPart ?? 'body']);
    const n = errors.length;
    return { error: badRequest(`The request is not valid: ${n} problem${n === 1 ? '' : 's'}`, errors) };
  };

/**
 * Responses are written by fast-json-stringify from the JSON Schema of the zod response schema:
 * several times faster than checking each answer with zod, and it still writes only the fields
 * the schema lists, so nothing leaks. One serialiser per schema object: every route shares the
 * Problem schema of its ten error answers, and compiling it per route (about 920 serialisers)
 * cost 11 MB of heap and 1 s of start-up.
 */
const serializers = new WeakMap<z.ZodType, (data: unknown) => string>();
export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) => {
  let serialize = serializers.get(schema);
  if (!serialize) {
    const jsonSchema = z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12', unrepresentable: 'any' });
    serialize = fastJson(withoutRequired(mergeObjectUnions(jsonSchema)) as Parameters<typeof fastJson>[0]);
    serializers.set(schema, serialize);
  }
  return serialize;
};

const PRIMITIVES = new Set(['string', 'integer', 'number', 'boolean']);
const COMPOSED = ['anyOf', 'oneOf', 'allOf', 'properties', 'items', '$ref'];

/**
 * zod writes a nullable scalar as `anyOf: [{type: 'string', …}, {type: 'null'}]`, which
 * fast-json-stringify resolves per value by running ajv (format checks included); the same
 * schema as `type: ['string', 'null']` is written with a typeof check.
 */
function nullableScalar(node: Record<string, unknown>): Record<string, unknown> | null {
  const anyOf = node.anyOf;
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return null;
  const [value, nul] = anyOf as Record<string, unknown>[];
  if (nul?.type !== 'null' || Object.keys(nul).length !== 1 || typeof value?.type !== 'string' || !PRIMITIVES.has(value.type)) return null;
  if (COMPOSED.some((k) => k in value)) return null;
  const { anyOf: _, ...rest } = node;
  return { ...value, ...rest, type: [value.type, 'null'] };
}

/**
 * fast-json-stringify throws on a missing required property; `fields=` answers leave fields
 * out on purpose, so the serialiser's copy of the schema drops `required` (the document keeps it),
 * and writes nullable scalars as type lists (nullableScalar).
 */
function withoutRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRequired);
  if (!node || typeof node !== 'object') return node;
  const simpler = nullableScalar(node as Record<string, unknown>);
  if (simpler) return simpler;
  return Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'required').map(([k, v]) => [k, k === 'properties' ? mapValues(v) : withoutRequired(v)]));
}

const mapValues = (o: unknown) => Object.fromEntries(Object.entries(o as object).map(([k, v]) => [k, withoutRequired(v)]));

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A union of object shapes (an article, or the same article with only the chosen `fields`) is
 * written as one object with the properties of all of them: fast-json-stringify would otherwise
 * run ajv on every value to pick a branch. Only when the shapes agree on every property they
 * share, so a value is written the same either way; other unions stay as they are.
 */
function mergeObjectUnions(root: Node): Node {
  const defs = (isNode(root.$defs) ? root.$defs : {}) as Record<string, Node>;
  const resolve = (n: Node): Node | undefined => {
    const ref = n.$ref;
    if (typeof ref !== 'string') return n;
    return ref.startsWith('#/$defs/') ? defs[ref.slice('#/$defs/'.length)] : undefined;
  };
  const merge = (branches: unknown[]): Node | null => {
    const shapes = branches.map((b) => (isNode(b) ? resolve(b) : undefined));
    if (shapes.some((o) => !o || o.type !== 'object' || !isNode(o.properties))) return null;
    const properties: Record<string, unknown> = {};
    for (const shape of shapes as Node[]) {
      for (const [k, v] of Object.entries(shape.properties as Node)) {
        if (k in properties && JSON.stringify(properties[k]) !== JSON.stringify(v)) return null;
        properties[k] = v;
      }
    }
    return { type: 'object', properties, additionalProperties: false };
  };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isNode(node)) return node;
    const merged = Array.isArray(node.anyOf) ? merge(node.anyOf) : null;
    const { anyOf: _, ...rest } = node;
    const base = merged ? { ...rest, ...merged } : node;
    return Object.fromEntries(Object.entries(base).map(([k, v]) => [k, walk(v)]));
  };
  return walk(root) as Node;
}
