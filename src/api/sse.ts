import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** An open Server-Sent Events response. */
export type EventStream = {
  res: ServerResponse;
  /** Write one `event:`/`data:` block (a no-op once the client is gone). */
  send(event: string, data: unknown): void;
};

/**
 * Take over a reply as a `text/event-stream`: the headers our hooks already set (request id,
 * rate limits, security headers) are kept, caching and proxy buffering are turned off.
 */
export function openEventStream(reply: FastifyReply): EventStream {
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string | number | string[]> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  // A client that went away mid-write must not crash the process.
  res.on('error', () => {});
  return {
    res,
    send(event, data) {
      if (!res.writableEnded && !res.destroyed)
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
  };
}
