import { UpstreamBadResponseError } from '../internal/errors.js';
import type { Logger } from '../internal/logger.js';
import { type McpCatalog, runTool, type ToolCall } from '../mcp/index.js';
import type { ChatClient, ChatMessage, ChatTool } from './chatClient.js';

// A tool answer handed back to the model is cut here (the tools already cap their rows).
const TOOL_RESULT_MAX_CHARS = 12_000;
// When the API reports no usage: about four characters per token.
const CHARS_PER_TOKEN = 4;

export const AGENT_SYSTEM_PROMPT = [
  "You are Sextant's crypto market analyst. Answer with figures that come from the tools only: never",
  'state a price, signal, grade, metric or on-chain figure that no tool returned. Every tool section carries',
  '`source` (the API call behind it) and `asOf`: cite them next to the figures you use, e.g.',
  '"BTC 30d return +4.2% (GET /v1/quant?asset=bitcoin, asOf 2025-06-30)". When a tool answers with an error or',
  'no data, say so plainly instead of guessing. Signals and grades describe the past, not advice.',
].join(' ');

/** What a tool call contributed to an answer: the grounding the client can check. */
export type Citation = {
  tool: string;
  arguments: unknown;
  /** The REST calls behind the figures (`GET /v1/quant?asset=bitcoin`). */
  sources: string[];
  /** Every `asOf` in the tool's answer. */
  asOf: string[];
  /** The error code when the tool failed. */
  error?: string;
};

export type AgentEvent =
  | { type: 'step'; step: number }
  | { type: 'tool_call'; step: number; id: string; tool: string; arguments: unknown }
  | { type: 'tool_result'; step: number; id: string; tool: string; isError: boolean; citation: Citation }
  | { type: 'answer'; text: string };

export type AgentResult = {
  /** The model's final text; null when the loop was stopped before it gave one. */
  answer: string | null;
  stopReason: 'answer' | 'max_steps' | 'max_tokens';
  model: string;
  steps: number;
  completionTokens: number;
  citations: Citation[];
};

export type RunAgentOptions = {
  question: string;
  history?: readonly { role: 'user' | 'assistant'; content: string }[];
  chat: ChatClient;
  catalog: McpCatalog;
  call: ToolCall;
  maxSteps: number;
  maxTokens: number;
  now: () => number;
  logger: Logger;
  onEvent?: (event: AgentEvent) => void;
  signal?: AbortSignal;
};

/** The tools as the chat API takes them: the MCP catalogue's names, descriptions and schemas. */
export function chatTools(catalog: McpCatalog): ChatTool[] {
  return catalog.listed.map((t) => ({
    type: 'function',
    function: {
      name: t.name,
      description: t.description ?? t.name,
      parameters: t.inputSchema as Record<string, unknown>,
    },
  }));
}

/** Every `source` and `asOf` in a tool's answer. */
function grounding(v: unknown, out = { sources: new Set<string>(), asOf: new Set<string>() }, depth = 0) {
  if (v === null || typeof v !== 'object' || depth > 10) return out;
  for (const [k, x] of Object.entries(v)) {
    if (k === 'source' && typeof x === 'string') out.sources.add(x);
    else if (k === 'asOf' && typeof x === 'string') out.asOf.add(x);
    else if (
      k === 'asOf' &&
      x &&
      typeof x === 'object' &&
      typeof (x as { timestamp?: unknown }).timestamp === 'string'
    )
      out.asOf.add((x as { timestamp: string }).timestamp);
    else grounding(x, out, depth + 1);
  }
  return out;
}

/**
 * The tool-calling loop: ask the model, run the tools it calls (same tools, validation, scopes and
 * limits as MCP), hand back their answers, until it answers in text — or the step or token
 * bound stops it (then `answer` is null: nothing is made up). A malformed model answer is an
 * `UPSTREAM_BAD_RESPONSE`; malformed tool arguments go back to the model as a tool error.
 */
export async function runAgent(o: RunAgentOptions): Promise<AgentResult> {
  const tools = chatTools(o.catalog);
  const messages: ChatMessage[] = [
    { role: 'system', content: AGENT_SYSTEM_PROMPT },
    ...(o.history ?? []).map((m) => ({ role: m.role, content: m.content }) as ChatMessage),
    { role: 'user', content: o.question },
  ];
  const citations: Citation[] = [];
  let tokens = 0;
  for (let step = 1; step <= o.maxSteps; step++) {
    o.signal?.throwIfAborted();
    if (tokens >= o.maxTokens) return done(null, 'max_tokens', step - 1);
    o.onEvent?.({ type: 'step', step });
    const completion = await o.chat.complete({ messages, tools, maxTokens: o.maxTokens - tokens });
    const { content, toolCalls } = completion.message;
    tokens +=
      completion.completionTokens ??
      Math.ceil(
        ((content ?? '').length + toolCalls.reduce((s, c) => s + c.function.arguments.length, 0)) /
          CHARS_PER_TOKEN,
      );
    if (toolCalls.length === 0) {
      if (!content || content.trim() === '')
        throw new UpstreamBadResponseError('the model answered with neither text nor a tool call');
      o.onEvent?.({ type: 'answer', text: content });
      return done(content, 'answer', step);
    }
    messages.push({ role: 'assistant', content, tool_calls: toolCalls });
    for (const tc of toolCalls) {
      let args: unknown;
      let text: string;
      let citation: Citation;
      try {
        args = tc.function.arguments.trim() === '' ? {} : JSON.parse(tc.function.arguments);
      } catch {
        args = undefined;
      }
      o.onEvent?.({
        type: 'tool_call',
        step,
        id: tc.id,
        tool: tc.function.name,
        arguments: args ?? tc.function.arguments,
      });
      if (args === undefined || args === null || typeof args !== 'object' || Array.isArray(args)) {
        const error = { code: 'VALIDATION_FAILED', detail: 'tool arguments must be a JSON object' };
        text = JSON.stringify({ error });
        citation = {
          tool: tc.function.name,
          arguments: tc.function.arguments,
          sources: [],
          asOf: [],
          error: error.code,
        };
      } else {
        const r = await runTool(o.catalog, tc.function.name, args, {
          call: o.call,
          now: o.now(),
          logger: o.logger,
        });
        text = (r.content[0] as { text: string }).text;
        const g = grounding(r.result);
        citation = {
          tool: tc.function.name,
          arguments: args,
          sources: [...g.sources],
          asOf: [...g.asOf].sort(),
        };
        if (r.isError)
          citation.error = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? 'ERROR';
      }
      citations.push(citation);
      o.onEvent?.({
        type: 'tool_result',
        step,
        id: tc.id,
        tool: tc.function.name,
        isError: citation.error !== undefined,
        citation,
      });
      messages.push({
        role: 'tool',
        tool_call_id: tc.id,
        content:
          text.length > TOOL_RESULT_MAX_CHARS ? `${text.slice(0, TOOL_RESULT_MAX_CHARS)}…(truncated)` : text,
      });
    }
  }
  return done(null, 'max_steps', o.maxSteps);

  function done(answer: string | null, stopReason: AgentResult['stopReason'], steps: number): AgentResult {
    return { answer, stopReason, model: o.chat.model, steps, completionTokens: tokens, citations };
  }
}
