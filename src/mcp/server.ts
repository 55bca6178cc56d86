import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { ValidateFunction } from 'ajv';
import { AppError, InternalError, NotFoundError } from '../internal/errors.js';
import type { Logger } from '../internal/logger.js';
import {
  ajvIssues,
  createInputValidators,
  relaxDefaults,
  validationError,
} from '../operations/validation.js';
import { compact } from './compact.js';
import type { DocsLibrary } from './docs.js';
import type { McpTool, ToolCall } from './tools.js';

export const MCP_SERVER_NAME = 'sextant';

/** What every MCP session shares: the tool list (schemas compiled once) and the docs. */
export type McpCatalog = {
  tools: readonly McpTool[];
  /** The tool list as `tools/list` answers it. */
  listed: Tool[];
  docs: DocsLibrary;
  validators: Map<string, ValidateFunction>;
};

/** JSON Schema of a tool's input as published: defaults optional, TypeBox markers dropped. */
export function toolInputSchema(tool: McpTool): Tool['inputSchema'] {
  return JSON.parse(JSON.stringify(relaxDefaults(tool.input))) as Tool['inputSchema'];
}

/** Build the shared part once per process. */
export function createMcpCatalog(tools: readonly McpTool[], docs: DocsLibrary): McpCatalog {
  const v = createInputValidators();
  const validators = new Map<string, ValidateFunction>();
  const listed: Tool[] = [];
  for (const tool of tools) {
    const schema = toolInputSchema(tool);
    // Agents often send numbers as strings: coerce like a query string, then check.
    validators.set(tool.name, v.compile(schema, 'query'));
    listed.push({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: schema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    });
  }
  return { tools, listed, docs, validators };
}

/** A tool error the agent can act on: the same code, status and issues as the REST problem. */
export function toolError(err: AppError): CallToolResult {
  const error = {
    code: err.code,
    status: err.status,
    detail: err.message,
    retryable: err.retryable,
    ...(err.issues ? { issues: err.issues } : {}),
    ...(err.extra ?? {}),
  };
  return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error }) }] };
}

/**
 * Run one tool: check the arguments against its schema, run it, compact the answer. Every
 * failure is a tool result with `isError` carrying the REST error code (the caller decides what
 * an unknown tool name is). Shared by MCP sessions and the agent loop.
 */
export async function runTool(
  catalog: McpCatalog,
  name: string,
  rawArgs: unknown,
  ctx: { call: ToolCall; now: number; logger: Logger },
): Promise<CallToolResult & { result?: unknown }> {
  const tool = catalog.tools.find((t) => t.name === name);
  if (!tool)
    return toolError(
      new NotFoundError(`unknown tool '${name}'; tools: ${catalog.tools.map((t) => t.name).join(', ')}`),
    );
  const args = (
    rawArgs !== null && typeof rawArgs === 'object' ? structuredClone(rawArgs) : rawArgs
  ) as Record<string, unknown>;
  const validate = catalog.validators.get(name)!;
  if (!validate(args)) return toolError(validationError(ajvIssues(validate.errors, 'body'), 'arguments'));
  try {
    const result = compact(await tool.run(args, { call: ctx.call, now: ctx.now, docs: catalog.docs }));
    return { content: [{ type: 'text', text: JSON.stringify(result) }], result };
  } catch (err) {
    if (err instanceof AppError) return toolError(err);
    ctx.logger.error({ err, tool: name }, 'MCP tool failed');
    return toolError(new InternalError('internal error; see the server log'));
  }
}

export type McpSessionOptions = {
  catalog: McpCatalog;
  /** How this session's tool calls run operations (auth, scopes and limits of its caller). */
  call: ToolCall;
  now: () => number;
  version: string;
  logger: Logger;
};

/**
 * An MCP server (tools + methodology resources) for one session or one stateless HTTP request.
 * Tool failures are tool results with `isError` (the model can read and fix them); only an unknown
 * tool name is a protocol error.
 */
export function createMcpServer(options: McpSessionOptions): Server {
  const { catalog, call, logger } = options;
  const server = new Server(
    { name: MCP_SERVER_NAME, version: options.version },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        'Sextant: crypto prices, signals, grades, quant metrics and on-chain insights. Every answer section carries `source` (the REST call behind it) and `asOf`: cite them. Numbers are rounded to 6 significant digits; lists are capped.',
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: catalog.listed }));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name } = request.params;
    if (!catalog.tools.some((t) => t.name === name)) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `unknown tool '${name}'; tools: ${catalog.tools.map((t) => t.name).join(', ')}`,
      );
    }
    const { result: _parsed, ...answer } = await runTool(catalog, name, request.params.arguments ?? {}, {
      call,
      now: options.now(),
      logger,
    });
    return answer;
  });

  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: catalog.docs.pages.map((p) => ({
      uri: p.uri,
      name: p.topic,
      title: p.title,
      description: `Sextant documentation: ${p.title}`,
      mimeType: 'text/markdown',
    })),
  }));

  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const page = catalog.docs.pages.find((p) => p.uri === request.params.uri);
    if (!page) throw new McpError(ErrorCode.InvalidParams, `unknown resource ${request.params.uri}`);
    return { contents: [{ uri: page.uri, mimeType: 'text/markdown', text: page.text }] };
  });

  return server;
}
