import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The caller's network address. Behind a trusted reverse proxy it is the last address in
 * X-Forwarded-For, the one the proxy appended itself; earlier ones came from the client and may
 * be forged. Without a trusted proxy the header is ignored.
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((part) => part.trim());
  const appendedByProxy = forwarded.at(-1) ?? '';
  return isIP(appendedByProxy) ? appendedByProxy : peer;
}
