import {
  UpstreamBadResponseError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../internal/errors.js';

/** One message of an OpenAI-compatible chat. */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export type ChatToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

/** A tool as the chat API takes it (JSON Schema parameters). */
export type ChatTool = {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
};

export type ChatCompletion = {
  message: { content: string | null; toolCalls: ChatToolCall[] };
  finishReason: string | null;
  /** Completion tokens the server reported (null when it reports none). */
  completionTokens: number | null;
};

export type ChatClient = {
  model: string;
  complete(request: {
    messages: ChatMessage[];
    tools: ChatTool[];
    maxTokens: number;
  }): Promise<ChatCompletion>;
};

export type ChatClientOptions = {
  /** Base URL of the API, up to and including `/v1` (`https://api.openai.com/v1`). */
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  timeoutMs: number;
  fetch?: typeof fetch;
};

// Bodies of error answers are read for a short reason, never echoed whole.
const ERROR_BODY_MAX_CHARS = 200;

function asToolCalls(v: unknown): ChatToolCall[] | null {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return null;
  const out: ChatToolCall[] = [];
  for (const [i, c] of v.entries()) {
    const fn = (c as { function?: { name?: unknown; arguments?: unknown } })?.function;
    if (!fn || typeof fn.name !== 'string') return null;
    const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
    const id = (c as { id?: unknown }).id;
    out.push({
      id: typeof id === 'string' && id.length > 0 ? id : `call_${i}`,
      type: 'function',
      function: { name: fn.name, arguments: args },
    });
  }
  return out;
}

/**
 * A client of any OpenAI-compatible `/chat/completions` API (OpenAI, Ollama, vLLM, llama.cpp
 * server): non-streaming calls with tools, a time limit per call, answers checked for shape.
 * Failures map onto the upstream error tree (429 → rate limited, 5xx → unavailable, timeouts,
 * anything malformed → bad response).
 */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const doFetch = options.fetch ?? fetch;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    model: options.model,
    async complete({ messages, tools, maxTokens }) {
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
          },
          body: JSON.stringify({
            model: options.model,
            messages,
            ...(tools.length ? { tools, tool_choice: 'auto' } : {}),
            max_tokens: maxTokens,
            temperature: 0,
          }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err) {
        if ((err as Error).name === 'TimeoutError')
          throw new UpstreamTimeoutError(`the model did not answer within ${options.timeoutMs} ms`);
        throw new UpstreamUnavailableError(`the model API is unreachable: ${(err as Error).message}`);
      }
      const text = await res.text().catch(() => '');
      if (!res.ok) {
        const reason = text.slice(0, ERROR_BODY_MAX_CHARS).replace(/\s+/g, ' ');
        if (res.status === 429)
          throw new UpstreamRateLimitedError(`the model API is rate limiting: ${reason}`);
        if (res.status >= 500)
          throw new UpstreamUnavailableError(`the model API failed (${res.status}): ${reason}`);
        throw new UpstreamBadResponseError(`the model API refused the request (${res.status}): ${reason}`);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new UpstreamBadResponseError('the model API answered with something that is not JSON');
      }
      const choice = (body as { choices?: unknown[] })?.choices?.[0] as
        | { message?: { content?: unknown; tool_calls?: unknown }; finish_reason?: unknown }
        | undefined;
      const message = choice?.message;
      if (!message || typeof message !== 'object')
        throw new UpstreamBadResponseError('the model API answer has no choices[0].message');
      const content = message.content;
      if (content !== undefined && content !== null && typeof content !== 'string')
        throw new UpstreamBadResponseError('the model API answer has a non-text message content');
      const toolCalls = asToolCalls(message.tool_calls);
      if (toolCalls === null)
        throw new UpstreamBadResponseError('the model API answer has malformed tool_calls');
      const usage = (body as { usage?: { completion_tokens?: unknown } }).usage;
      return {
        message: { content: typeof content === 'string' ? content : null, toolCalls },
        finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
        completionTokens: typeof usage?.completion_tokens === 'number' ? usage.completion_tokens : null,
      };
    },
  };
}
