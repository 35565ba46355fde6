import { z } from 'zod';

/** RFC 9457 problem details, the body of every 4xx and 5xx answer. */
export const Problem = z
  .object({
    type: z.string().describe('A URI reference naming the kind of problem'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional().describe('The request path that caused the problem'),
    code: z.string().describe('Stable machine-readable code, e.g. not-found, validation-failed'),
    requestId: z.string().optional(),
    errors: z
      .array(
        z.object({
          in: z.enum(['body', 'query', 'params', 'headers']).optional(),
          pointer: z.string().describe('JSON Pointer (RFC 6901) to the offending value'),
          message: z.string(),
        }),
      )
      .optional()
      .describe('One entry per offending field, for validation failures'),
    currentVersion: z.number().int().optional().describe('On 412: the version the resource has now'),
    retryAfter: z.number().int().optional(),
  })
  .meta({
    id: 'Problem',
    example: {
      type: 'urn:masthead:problem:validation-failed',
      title: 'The request is not valid',
      status: 400,
      detail: 'The request is not valid: 1 problem',
      instance: '/v1/articles',
      code: 'validation-failed',
      requestId: 'req-1',
      errors: [{ in: 'body', pointer: '/title', message: 'Too small: expected string to have >=1 characters' }],
    },
  });

export type ProblemBody = z.infer<typeof Problem>;

export const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};
