import type { Server, ServerResponse } from 'node:http';

/**
 * Lets a server close gracefully: it stops accepting connections, lets the requests in flight
 * finish (for up to `drainMs`), then cuts whatever is left. Responses sent meanwhile close their
 * connections, so keep-alive clients reconnect elsewhere.
 */
export function drainOnClose(server: Server): (drainMs: number) => Promise<void> {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let drained: (() => void) | undefined;
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      inFlight.delete(res);
      if (!inFlight.size) drained?.();
    });
  });

  return async (drainMs) => {
    draining = true;
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    // Stops listening and closes idle keep-alive connections; busy ones close after their response.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if (inFlight.size) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        drained = resolve;
        timer = setTimeout(resolve, drainMs);
      });
      clearTimeout(timer);
    }
    server.closeAllConnections();
    await closed;
  };
}
