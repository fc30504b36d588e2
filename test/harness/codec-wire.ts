import type { Payload } from '@temporalio/common';
import type { StewardStack } from './steward';

/** A payload as the remote codec protocol carries it: metadata values and data in base64. */
export interface WirePayload {
  metadata?: Record<string, string>;
  data?: string;
}

export function toWire(payload: Payload): WirePayload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value!).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

export function fromWire(payload: WirePayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

/** Decodes payloads as the Temporal Web UI does: through the API's codec endpoint, as an operator. */
export async function decodeThroughCodecEndpoint(stack: StewardStack, token: string, payloads: Payload[]): Promise<Payload[]> {
  const response = await fetch(new URL('/codec/decode', stack.api.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ payloads: payloads.map(toWire) }),
  });
  if (response.status !== 200) throw new Error(`the codec endpoint answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { payloads: WirePayload[] }).payloads.map(fromWire);
}
