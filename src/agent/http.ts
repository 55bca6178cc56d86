import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openEventStream } from '../api/sse.js';
import type { Config } from '../internal/config.js';
import { AgentNotConfiguredError, AppError, InternalError } from '../internal/errors.js';
import { catalogFromConfig } from '../mcp/index.js';
import type { AuthInfo, AuthPolicy } from '../operations/index.js';
import { createOperationInvoker } from '../operations/invoke.js';
import { relaxDefaults } from '../operations/validation.js';
import type { Services } from '../services/index.js';
import { type ChatClient, createChatClient } from './chatClient.js';
import { type AgentEvent, runAgent } from './runAgent.js';

export const AGENT_CHAT_PATH = '/v1/agent/chat';
// Asking the model costs the operator money: a key is required.
const AGENT_POLICY: AuthPolicy = { anonymous: false, scope: 'read' };
const QUESTION_MAX_CHARS = 4_000;
const HISTORY_MAX_MESSAGES = 20;
const HEARTBEAT_MS = 15_000;

export const AgentChatBody = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: QUESTION_MAX_CHARS, description: 'What to ask' }),
    history: Type.Array(
      Type.Object({
        role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
        content: Type.String({ maxLength: 8_000 }),
      }),
      { maxItems: HISTORY_MAX_MESSAGES, default: [], description: 'Earlier turns of the conversation' },
    ),
    stream: Type.Boolean({
      default: false,
      description: 'Answer as Server-Sent Events (also chosen by `Accept: text/event-stream`)',
    }),
  },
  { additionalProperties: false },
);

const CitationSchema = Type.Object({
  tool: Type.String(),
  arguments: Type.Unknown(),
  sources: Type.Array(Type.String(), { description: 'The REST calls behind the figures' }),
  asOf: Type.Array(Type.String(), { description: 'Every asOf in the tool answer' }),
  error: Type.Optional(Type.String({ description: 'Error code when the tool failed' })),
});

export const AgentChatResponse = Type.Object(
  {
    answer: Type.Union([Type.String(), Type.Null()], {
      description: 'The final answer; null when a bound stopped the loop first',
    }),
    stopReason: Type.Union([Type.Literal('answer'), Type.Literal('max_steps'), Type.Literal('max_tokens')]),
    model: Type.String(),
    steps: Type.Integer({ description: 'Model turns used' }),
    completionTokens: Type.Integer(),
    citations: Type.Array(CitationSchema, {
      description: 'Every tool call, with its sources and asOf times',
    }),
  },
  {
    examples: [
      {
        answer:
          'Bitcoin closed at 107,135 (GET /v1/prices?ids=bitcoin, asOf 2025-06-30T23:00Z); trend-regime is long since 2025-04-22.',
        stopReason: 'answer',
        model: 'gpt-4o-mini',
        steps: 2,
        completionTokens: 181,
        citations: [
          {
            tool: 'asset_analysis',
            arguments: { asset: 'bitcoin' },
            sources: ['GET /v1/prices?ids=bitcoin', 'GET /v1/signals/latest?asset=bitcoin'],
            asOf: ['2025-06-30T23:00:00.000Z'],
          },
        ],
      },
    ],
  },
);

export type AgentHttpDeps = {
  services: Services;
  authenticate(
    request: FastifyRequest,
    policy: AuthPolicy,
  ): Promise<{ auth: AuthInfo; headers: Record<string, string | number> }>;
  now: () => number;
  /** Tests inject a client; otherwise LLM_BASE_URL / LLM_MODEL / LLM_API_KEY. */
  chat?: ChatClient;
};

/** The configured model, or null when LLM_BASE_URL / LLM_MODEL are not set. */
export function chatClientFromConfig(config: Config): ChatClient | null {
  if (!config.llmBaseUrl || !config.llmModel) return null;
  return createChatClient({
    baseUrl: config.llmBaseUrl,
    model: config.llmModel,
    apiKey: config.llmApiKey,
    timeoutMs: config.agentTimeoutMs,
  });
}

/**
 * `POST /v1/agent/chat`: a question answered by a tool-calling loop over the MCP tools, with any
 * OpenAI-compatible model; JSON, or Server-Sent Events (`step`, `tool_call`, `tool_result`,
 * `answer`, then `done` with the whole result, or `error` with a problem document).
 */
export function registerAgentRoutes(app: FastifyInstance, deps: AgentHttpDeps): void {
  const { services, now } = deps;
  const { config, logger } = services.common;
  const catalog = catalogFromConfig(config.mcpTools);
  const invoker = createOperationInvoker();
  const chat = deps.chat ?? chatClientFromConfig(config);

  app.post(
    AGENT_CHAT_PATH,
    {
      schema: {
        operationId: 'agentChat',
        tags: ['agent'],
        summary: 'Ask a question; an LLM answers with Sextant tools, citing them',
        description: [
          'A tool-calling loop over the MCP tools (same data, scopes and limits) with the OpenAI-compatible model in',
          '`LLM_BASE_URL` / `LLM_MODEL`. The answer cites the tool calls, their REST sources and `asOf` times; bounded by',
          '`AGENT_MAX_STEPS` model turns and `AGENT_MAX_TOKENS` completion tokens (then `answer` is null and',
          '`stopReason` says which). Without a configured model: `503 AGENT_NOT_CONFIGURED` — never an answer without data.',
          'With `stream: true` or `Accept: text/event-stream`: Server-Sent Events `step`, `tool_call`, `tool_result`,',
          '`answer`, then `done` (the JSON result) or `error` (a problem document).',
          '',
          '**Auth**: API key required; scope `read`. Each tool operation counts against the key like the REST call.',
        ].join('\n'),
        security: [{ apiKey: [] }, { bearer: [] }],
        body: relaxDefaults(AgentChatBody),
        response: {
          200: { ...AgentChatResponse, description: 'The answer, its bound and its citations' },
          '4xx': {
            description: 'Client error (problem document)',
            content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
          },
          '5xx': {
            description: 'Server or model error (problem document)',
            content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
          },
        },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      request.routeTemplate = AGENT_CHAT_PATH;
      const entry = await deps.authenticate(request, AGENT_POLICY);
      for (const [k, v] of Object.entries(entry.headers)) reply.header(k, v);
      if (!chat)
        throw new AgentNotConfiguredError(
          'no language model is configured on this server: set LLM_BASE_URL and LLM_MODEL (e.g. an Ollama or OpenAI endpoint)',
        );
      const body = request.body as Static<typeof AgentChatBody>;
      const abort = new AbortController();
      const run = (onEvent?: (e: AgentEvent) => void) =>
        runAgent({
          question: body.question,
          history: body.history,
          chat,
          catalog,
          call: async (op, input) => {
            const { auth } = await deps.authenticate(request, op.auth);
            return invoker.invoke(op, input, {
              services,
              auth,
              requestId: request.id,
              log: logger,
              now: now(),
            });
          },
          maxSteps: config.agentMaxSteps,
          maxTokens: config.agentMaxTokens,
          now,
          logger,
          signal: abort.signal,
          ...(onEvent ? { onEvent } : {}),
        });

      const wantsStream = body.stream || String(request.headers.accept ?? '').includes('text/event-stream');
      if (!wantsStream) {
        reply.header('cache-control', 'no-store');
        return run();
      }
      const { res, send } = openEventStream(reply);
      // The client went away: stop asking the model.
      res.once('close', () => abort.abort());
      const heartbeat = setInterval(() => {
        if (!res.writableEnded) res.write(': heartbeat\n\n');
      }, HEARTBEAT_MS);
      heartbeat.unref();
      try {
        const result = await run((e) => send(e.type, e));
        send('done', result);
      } catch (err) {
        const e = err instanceof AppError ? err : new InternalError('internal error; see the server log');
        if (!(err instanceof AppError) && !abort.signal.aborted)
          logger.error({ err, reqId: request.id }, 'agent failed');
        send('error', {
          type: `urn:sextant:error:${e.code}`,
          title: e.title,
          status: e.status,
          detail: e.message,
          code: e.code,
          requestId: request.id,
          retryable: e.retryable,
        });
      } finally {
        clearInterval(heartbeat);
        res.end();
      }
    },
  );
}
