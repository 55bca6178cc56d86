import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MethodNotAllowedError, NotAcceptableError, ValidationError } from '../internal/errors.js';
import { type AuthPolicy, RequestContext } from '../operations/index.js';
import { createOperationInvoker } from '../operations/invoke.js';
import type { Services } from '../services/index.js';
import { loadDocs } from './docs.js';
import { createMcpCatalog, createMcpServer, type McpCatalog } from './server.js';
import { selectTools, type ToolCall } from './tools.js';

/** What /mcp needs from the API: the same authenticator (keys, scopes, limits) as REST. */
export type McpHttpDeps = {
  services: Services;
  authenticate(
    request: FastifyRequest,
    policy: AuthPolicy,
  ): Promise<{ auth: import('../operations/index.js').AuthInfo; headers: Record<string, string | number> }>;
  now: () => number;
};

// Identity and one request's worth of limits for the HTTP exchange itself, like any REST call.
const MCP_REQUEST_POLICY: AuthPolicy = { anonymous: true, scope: null };

const isMessage = (m: unknown) =>
  m !== null && typeof m === 'object' && !Array.isArray(m) && (m as { jsonrpc?: unknown }).jsonrpc === '2.0';
const isJsonRpc = (body: unknown) =>
  isMessage(body) || (Array.isArray(body) && body.length > 0 && body.length <= 100 && body.every(isMessage));

/** The tool catalogue for a MCP_TOOLS value; a bad value names the setting. */
export function catalogFromConfig(spec: string): McpCatalog {
  let tools: ReturnType<typeof selectTools>;
  try {
    tools = selectTools(spec);
  } catch (err) {
    throw new Error(`MCP_TOOLS: ${(err as Error).message}`);
  }
  return createMcpCatalog(tools, loadDocs());
}

/**
 * MCP over Streamable HTTP at `/mcp`, stateless: every POST carries one JSON-RPC message (or a
 * batch) and gets its answer as JSON, so any replica can serve any request. API-key auth as
 * REST; each operation a tool runs is checked for its scope and counted against the key's
 * limits, as the same REST call would be.
 */
export function registerMcpRoutes(app: FastifyInstance, deps: McpHttpDeps): void {
  const { services, now } = deps;
  const catalog = catalogFromConfig(services.common.config.mcpTools);
  const invoker = createOperationInvoker();

  app.post('/mcp', { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const entry = await deps.authenticate(request, MCP_REQUEST_POLICY);
    // Refuse what the transport would refuse, as problem documents like every other 4xx here.
    const accept = String(request.headers.accept ?? '');
    if (!accept.includes('application/json') || !accept.includes('text/event-stream'))
      throw new NotAcceptableError('MCP clients must accept both application/json and text/event-stream');
    if (!isJsonRpc(request.body))
      throw new ValidationError('body must be a JSON-RPC 2.0 message or a batch of them (MCP)', {
        issues: [{ path: ['jsonrpc'], message: "must be '2.0'", in: 'body' }],
      });
    const call: ToolCall = async (op, input) => {
      const { auth } = await deps.authenticate(request, op.auth);
      return invoker.invoke(op, input, new RequestContext(services, auth, request.id, now()));
    };
    const server = createMcpServer({
      catalog,
      call,
      now,
      version: services.common.version,
      logger: services.common.logger,
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    // The transport writes the response itself: carry over the headers our hooks set.
    reply.hijack();
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) reply.raw.setHeader(k, v);
    for (const [k, v] of Object.entries(entry.headers)) reply.raw.setHeader(k, v);
    reply.raw.setHeader('cache-control', 'no-store');
    reply.raw.once('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (err) {
      services.common.logger.error({ err, reqId: request.id }, 'MCP request failed');
      if (!reply.raw.headersSent) {
        reply.raw.statusCode = 500;
        reply.raw.setHeader('content-type', 'application/json');
        reply.raw.end(
          JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null }),
        );
      }
    }
  });

  // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
  const notAllowed = async () => {
    throw new MethodNotAllowedError('this MCP endpoint is stateless: send JSON-RPC messages with POST', {
      headers: { allow: 'POST' },
    });
  };
  app.get('/mcp', { schema: { hide: true } }, notAllowed);
  app.delete('/mcp', { schema: { hide: true } }, notAllowed);
}
