/**
 * Deploy once, invoke many: POST /v1/functions stores a named set of map, combine and reduce
 * sources after compiling them once in the sandbox (a syntax error is a 422 naming its line
 * and column, before anything is stored); GET /v1/functions lists the caller's, GET and
 * DELETE /v1/functions/{id} read and remove one. Every lookup is the caller's tenant's: another
 * tenant's id is a 404. POST /v1/mapreduce runs them by id (src/features/mapreduce/custom.ts).
 */
import { randomBytes } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { FunctionNotFoundError } from '../../functions/errors.js';
import { storedBytes, type StoredFunction } from '../../functions/types.js';
import type { AppEnv, AppHono } from '../../http/env.js';
import { dispatchOptions } from '../../http/dispatch-options.js';
import { readJsonInput } from '../../http/json-body.js';
import { ownBodyRoute } from '../../http/own-body-route.js';
import { problemResponses } from '../../http/problems.js';
import type { Services } from '../../services.js';
import {
  FunctionListSchema,
  FunctionParamsSchema,
  FunctionRequestSchema,
  FunctionSchema,
  functionPath,
  functionSummary,
  functionView,
} from './schemas.js';

/** A compile is one sandbox run: a fresh isolate, the sources loaded and their top level run. */
const COMPILE_MICROS = 25_000;

export function registerFunctionRoutes(app: AppHono, services: Services): void {
  const { config, functions } = services;

  const storeRoute = createRoute({
    method: 'post',
    path: '/v1/functions',
    operationId: 'storeFunction',
    tags: ['functions'],
    summary: 'Store a set of user functions, compiled once, to run by id',
    description:
      'The sources are checked (size, syntax, that each defines its function; their top-level code runs once, in the sandbox) ' +
      `and stored for the caller. Each caller may store ${config.functions.maxPerTenant} functions of at most ` +
      `${config.functions.maxBytesPerTenant} bytes in all (FUNCTIONS_MAX_PER_TENANT, FUNCTIONS_MAX_BYTES_PER_TENANT).`,
    request: { body: { content: { 'application/json': { schema: FunctionRequestSchema } } } },
    responses: {
      201: {
        description: 'Stored',
        headers: { Location: { description: 'The function: `/v1/functions/{id}`.', schema: { type: 'string' as const } } },
        content: { 'application/json': { schema: FunctionSchema } },
      },
      ...problemResponses('malformed-json', 'bad-request', 'body-too-large', 'unsupported-media-type', 'validation-failed', 'sandbox-syntax', 'sandbox-exception', 'sandbox-limit', 'sandbox-crashed', 'function-store-full', 'functions-unavailable', 'overloaded'),
    },
  });

  ownBodyRoute(app, storeRoute, async (c) => {
    const request = await readJsonInput(c, services, 'functions');
    const compiled = await services.dispatcher.run(
      {
        operation: 'functions.compile',
        costMicros: COMPILE_MICROS,
        poolOnly: true,
        describe: 'compiling the functions',
        inline: () => {
          throw new Error('user functions compile only on the pool');
        },
        pool: (run) => run('sandboxCompile', { functions: request.functions, limits: config.sandbox }),
      },
      dispatchOptions(c, services),
    );
    const stored: StoredFunction = {
      id: randomBytes(16).toString('base64url'),
      tenant: c.var.tenant,
      name: request.name,
      functions: request.functions,
      digest: compiled.value.digest,
      bytes: storedBytes(request.name, request.functions),
      createdAt: new Date().toISOString(),
    };
    await functions.insert(stored);
    c.header('Location', functionPath(stored.id));
    return c.json(functionView(stored), 201);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/functions',
      operationId: 'listFunctions',
      tags: ['functions'],
      summary: 'List your stored functions, most recent first',
      description: 'Ids, names, digests and sizes of the functions you stored (sources are left out; GET one to see them). Another tenant\'s functions are never listed.',
      responses: {
        200: { description: 'Your functions, without their sources', content: { 'application/json': { schema: FunctionListSchema } } },
        ...problemResponses('functions-unavailable'),
      },
    }),
    async (c) => c.json({ functions: (await functions.list(c.var.tenant)).map(functionSummary) }, 200),
  );

  const found = async (c: Context<AppEnv>, id: string): Promise<StoredFunction> => {
    const stored = await functions.get(c.var.tenant, id);
    if (stored === undefined) throw new FunctionNotFoundError(id);
    return stored;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/functions/{id}',
      operationId: 'getFunction',
      tags: ['functions'],
      summary: 'A stored function, with its sources',
      description: 'Only your own functions are found: another tenant\'s id answers 404, as if it did not exist.',
      request: { params: FunctionParamsSchema },
      responses: {
        200: { description: 'The function', content: { 'application/json': { schema: FunctionSchema } } },
        ...problemResponses('function-not-found', 'validation-failed', 'functions-unavailable'),
      },
    }),
    async (c) => c.json(functionView(await found(c, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/functions/{id}',
      operationId: 'deleteFunction',
      tags: ['functions'],
      summary: 'Delete a stored function',
      description: 'Jobs already accepted keep running: they hold the sources themselves.',
      request: { params: FunctionParamsSchema },
      responses: {
        204: { description: 'Deleted' },
        ...problemResponses('function-not-found', 'validation-failed', 'functions-unavailable'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await functions.delete(c.var.tenant, id))) throw new FunctionNotFoundError(id);
      return c.body(null, 204);
    },
  );
}
