/** Parse the text of a Server-Sent Events stream into events, keeping an incomplete tail. */
export function createSseParser(onEvent: (event: { event: string; data: string; id?: string }) => void) {
  let buf = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  return (chunk: string): void => {
    buf += chunk;
    for (;;) {
      const nl = buf.search(/\r\n|\r|\n/);
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (nl < 0 || (nl === buf.length - 1 && buf[nl] === '\r')) return;
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length > 0)
          onEvent({ event: event || 'message', data: data.join('\n'), ...(id ? { id } : {}) });
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
  };
}
