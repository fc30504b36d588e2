import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: payload.data === undefined ? undefined : Buffer.from(payload.data, 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')]),
    ),
    data: payload.data ? Buffer.from(payload.data).toString('base64') : undefined,
  };
}

/**
 * The remote codec protocol of the Temporal Web UI and CLI: POST /codec/encode and
 * /codec/decode with `{ payloads: [...] }`. The caller must already be authorized as an operator.
 */
export async function serveCodec(codec: PayloadCodec, operation: 'encode' | 'decode', body: unknown, res: ServerResponse): Promise<void> {
  const payloads = (body as { payloads?: JsonPayload[] } | null)?.payloads;
  if (!Array.isArray(payloads)) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('expected {"payloads": [...]}');
    return;
  }
  let converted: Payload[];
  try {
    converted = await codec[operation](payloads.map(fromJson));
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`a payload could not be ${operation}d with this server's key`);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ payloads: converted.map(toJson) }));
}

/** The Temporal UI calls from its own origin with credentials, so only listed origins are allowed. */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowedOrigins: readonly string[]): void {
  const origin = req.headers.origin;
  if (!origin || !allowedOrigins.includes(origin)) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
  res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
  res.setHeader('vary', 'origin');
}
