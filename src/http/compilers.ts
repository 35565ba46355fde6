import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import fastJson from 'fast-json-stringify';
import { z } from 'zod';
import { fieldProblems } from './errors.js';
import { badRequest, type FieldProblem } from './problem.js';

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
 * the schema lists, so nothing leaks.
 */
export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) => {
  const jsonSchema = z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12', unrepresentable: 'any' });
  return fastJson(withoutRequired(jsonSchema) as Parameters<typeof fastJson>[0]);
};

/**
 * fast-json-stringify throws on a missing required property; `fields=` answers leave fields
 * out on purpose, so the serialiser's copy of the schema drops `required` (the document keeps it).
 */
function withoutRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRequired);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'required').map(([k, v]) => [k, k === 'properties' ? mapValues(v) : withoutRequired(v)]));
}

const mapValues = (o: unknown) => Object.fromEntries(Object.entries(o as object).map(([k, v]) => [k, withoutRequired(v)]));
