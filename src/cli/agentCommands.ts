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
import { type AgentEvent, type AgentResult, chatClientFromConfig, runAgent } from '../agent/index.js';
import { readLockHolder } from '../db/index.js';
import type { Config, SettingKey } from '../internal/config.js';
import { AgentNotConfiguredError, DataDirLockedError } from '../internal/errors.js';
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
const ASK_SETTINGS: readonly SettingKey[] = [
  ...MCP_SETTINGS,
  'llmBaseUrl',
  'llmModel',
  // Not 'llmApiKey': a key on the command line is visible to every user in `ps`; LLM_API_KEY only.
  'agentMaxSteps',
  'agentMaxTokens',
  'agentTimeoutMs',
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

/** `sextant mcp` (the MCP server on stdio, for desktop agents) and `sextant ask`. */
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
  const ask: Command = {
    name: 'ask',
    summary:
      'Ask a question; an LLM answers with Sextant tools and cites them (needs LLM_BASE_URL, LLM_MODEL)',
    usage:
      'sextant ask "How is bitcoin trending?" [--connect http://127.0.0.1:8080] [--llm-base-url URL --llm-model NAME]',
    options: {
      connect: {
        type: 'string',
        description: `Ask a running server (POST /v1/agent/chat) instead of opening storage (API key from ${API_KEY_ENV})`,
      },
    },
    positionals: ['...'],
    settings: ASK_SETTINGS,
    async run(ctx) {
      const question = ctx.positionals.join(' ').trim();
      if (!question) throw deps.usageError('a question is required: sextant ask "…"');
      if (question.length > 4000) throw deps.usageError('the question is longer than 4,000 characters');
      const config = ctx.config();
      const logger = deps.cliLogger(config);
      const progress = (e: AgentEvent) => {
        if (e.type === 'tool_call') ctx.io.err(`→ ${e.tool} ${JSON.stringify(e.arguments)}\n`);
        if (e.type === 'tool_result' && e.isError) ctx.io.err(`  ${e.tool}: ${e.citation.error}\n`);
      };
      let result: AgentResult;
      if (typeof ctx.values.connect === 'string') {
        result = await askServer(ctx.values.connect, question, ctx.io.env[API_KEY_ENV], progress, deps);
      } else {
        const chat = chatClientFromConfig(config);
        if (!chat)
          throw new AgentNotConfiguredError(
            'no language model configured: set LLM_BASE_URL and LLM_MODEL (or --llm-base-url / --llm-model), or use --connect',
          );
        const holder = config.storageKind === 'pglite' ? readLockHolder(config.dataDirAbs) : null;
        if (holder)
          throw new DataDirLockedError(
            `data directory ${config.dataDirAbs} is in use by process ${holder.pid} (sextant ${holder.command})${holder.command === 'serve' ? ': ask that server with --connect http://HOST:PORT' : ''}`,
            holder.pid,
          );
        const services = await openServices(config, { command: 'ask', logger });
        try {
          const invoker = createOperationInvoker();
          const auth = { type: 'anonymous' as const, ip: 'cli' };
          result = await runAgent({
            question,
            chat,
            catalog: createMcpCatalog(selectTools(config.mcpTools), loadDocs()),
            call: (op, input) =>
              invoker.invoke(op, input, { services, auth, requestId: 'cli', log: logger, now: Date.now() }),
            maxSteps: config.agentMaxSteps,
            maxTokens: config.agentMaxTokens,
            now: Date.now,
            logger,
            onEvent: progress,
          });
        } finally {
          await services.close();
        }
      }
      if (ctx.json) {
        ctx.io.out(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        ctx.io.out(
          result.answer === null
            ? `(no answer: stopped at the ${result.stopReason === 'max_steps' ? 'step' : 'token'} limit after ${result.steps} model turns)\n`
            : `${result.answer}\n`,
        );
        if (result.citations.length) {
          ctx.io.out('\nSources:\n');
          for (const c of result.citations)
            ctx.io.out(
              `- ${c.tool} ${JSON.stringify(c.arguments)}${c.error ? ` → ${c.error}` : ''}${c.sources.length ? `: ${c.sources.join(', ')}` : ''}${c.asOf.length ? ` (asOf ${c.asOf.at(-1)})` : ''}\n`,
            );
        }
      }
      return result.answer === null ? 1 : 0;
    },
  };
  return [mcp, ask];
}

/** POST the question to a running server and read its event stream. */
async function askServer(
  base: string,
  question: string,
  apiKey: string | undefined,
  onEvent: (e: AgentEvent) => void,
  deps: AgentCommandDeps,
): Promise<AgentResult> {
  let url: URL;
  try {
    url = new URL('/v1/agent/chat', base);
  } catch {
    throw deps.usageError('--connect must be the server URL, e.g. http://127.0.0.1:8080');
  }
  if (!apiKey) throw deps.usageError(`--connect needs an API key in ${API_KEY_ENV}`);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': apiKey },
    body: JSON.stringify({ question, stream: true }),
  });
  if (!res.ok || !res.body) {
    const problem = (await res.json().catch(() => null)) as { code?: string; detail?: string } | null;
    throw new AskFailedError(
      `${res.status} ${problem?.code ?? ''}: ${problem?.detail ?? res.statusText}`.trim(),
    );
  }
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (!event || !data) continue;
      const value = JSON.parse(data);
      if (event === 'done') return value as AgentResult;
      if (event === 'error') throw new AskFailedError(`${value.code}: ${value.detail}`);
      onEvent(value as AgentEvent);
    }
  }
  throw new AskFailedError('the server closed the stream without an answer');
}

class AskFailedError extends Error {
  readonly code = 'ASK_FAILED';
}
