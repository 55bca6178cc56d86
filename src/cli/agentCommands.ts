import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { readLockHolder } from '../db/index.js';
import type { Config, SettingKey } from '../internal/config.js';
import { DataDirLockedError } from '../internal/errors.js';
import type { Logger } from '../internal/logger.js';
import { packageVersion } from '../internal/version.js';
import { createMcpCatalog, createMcpServer, loadDocs, MCP_SERVER_NAME, selectTools } from '../mcp/index.js';
import { createOperationInvoker } from '../operations/invoke.js';
import { openServices } from '../services/index.js';
import type { Command } from './main.js';

export type AgentCommandDeps = {
  usageError(message: string): Error;
  cliLogger(config: Config): Logger;
};

const MCP_SETTINGS: readonly SettingKey[] = [
  'dataDir',
  'databaseUrl',
  'databaseSchema',
  'logLevel',
  'mcpTools',
];
// The key for --connect comes from the environment (an MCP client config sets it), never argv.
const API_KEY_ENV = 'SEXTANT_API_KEY';

/** Resolves when the stdio transport closes (the client went away) or on SIGINT/SIGTERM. */
function untilClosed(transport: StdioServerTransport): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    transport.onclose = done;
    process.stdin.once('end', done);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/**
 * `--connect URL`: a stdio MCP server that forwards everything to a running Sextant's /mcp
 * (live data, that server's keys and limits), for desktop agents that only speak stdio.
 */
async function bridge(url: URL, apiKey: string | undefined, logger: Logger): Promise<void> {
  const client = new Client({ name: 'sextant-mcp-bridge', version: packageVersion() });
  const headers: Record<string, string> = apiKey ? { 'x-api-key': apiKey } : {};
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  const server = new Server(
    { name: MCP_SERVER_NAME, version: packageVersion() },
    { capabilities: { tools: {}, resources: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, (r) => client.listTools(r.params));
  server.setRequestHandler(CallToolRequestSchema, (r) => client.callTool(r.params));
  server.setRequestHandler(ListResourcesRequestSchema, (r) => client.listResources(r.params));
  server.setRequestHandler(ReadResourceRequestSchema, (r) => client.readResource(r.params));
  const transport = new StdioServerTransport();
  await server.connect(transport);
  logger.info({ url: url.origin }, 'MCP bridge ready');
  await untilClosed(transport);
  await client.close();
}

/** `sextant mcp`: the MCP server on stdio, for desktop agents (Claude Desktop, IDEs…). */
export function createAgentCommands(deps: AgentCommandDeps): Command[] {
  const mcp: Command = {
    name: 'mcp',
    summary: 'MCP server on stdio for AI agents (tools: prices, signals, grades, on-chain insights)',
    usage:
      'sextant mcp [--tools default|market|onchain|operations|all|name,…] [--connect http://127.0.0.1:8080/mcp]',
    options: {
      tools: {
        type: 'string',
        description: 'Tool preset or comma list of tool names (default: MCP_TOOLS, else "default")',
      },
      connect: {
        type: 'string',
        description: `Forward to a running server's /mcp endpoint instead of opening storage (API key from ${API_KEY_ENV})`,
      },
    },
    settings: MCP_SETTINGS,
    async run(ctx) {
      const config = ctx.config();
      const logger = deps.cliLogger(config);
      const spec = typeof ctx.values.tools === 'string' ? ctx.values.tools : config.mcpTools;
      let tools: ReturnType<typeof selectTools>;
      try {
        tools = selectTools(spec);
      } catch (err) {
        throw deps.usageError((err as Error).message);
      }
      if (typeof ctx.values.connect === 'string') {
        let url: URL;
        try {
          url = new URL(ctx.values.connect);
        } catch {
          throw deps.usageError('--connect must be a URL such as http://127.0.0.1:8080/mcp');
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
          throw deps.usageError('--connect must be an http(s) URL');
        await bridge(url, ctx.io.env[API_KEY_ENV], logger);
        return 0;
      }
      const holder = config.storageKind === 'pglite' ? readLockHolder(config.dataDirAbs) : null;
      if (holder) {
        throw new DataDirLockedError(
          `data directory ${config.dataDirAbs} is in use by process ${holder.pid} (sextant ${holder.command})${holder.command === 'serve' ? ': connect to that server instead with `sextant mcp --connect http://HOST:PORT/mcp`' : ''}`,
          holder.pid,
        );
      }
      const services = await openServices(config, { command: 'mcp', logger });
      try {
        const invoker = createOperationInvoker();
        // The local user runs this process: no key, no rate limit; scopes are not checked.
        const auth = { type: 'anonymous' as const, ip: 'stdio' };
        const server = createMcpServer({
          catalog: createMcpCatalog(tools, loadDocs()),
          call: (op, input) =>
            invoker.invoke(op, input, { services, auth, requestId: 'stdio', log: logger, now: Date.now() }),
          now: Date.now,
          version: packageVersion(),
          logger,
        });
        const transport = new StdioServerTransport();
        await server.connect(transport);
        logger.info({ tools: tools.length, storage: config.storageKind }, 'MCP server ready on stdio');
        await untilClosed(transport);
        await server.close();
      } finally {
        await services.close();
      }
      return 0;
    },
  };
  return [mcp];
}
