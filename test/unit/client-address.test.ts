import type { IncomingMessage } from 'node:http';
import { clientAddress } from '../../api/client-address';

function request(remoteAddress: string, forwardedFor?: string | string[]): Pick<IncomingMessage, 'headers' | 'socket'> {
  return { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }, socket: { remoteAddress } } as Pick<IncomingMessage, 'headers' | 'socket'>;
}

describe('clientAddress', () => {
  it('ignores X-Forwarded-For unless a proxy in front is trusted', () => {
    expect(clientAddress(request('192.0.2.7', '203.0.113.9'), false)).toBe('192.0.2.7');
  });

  it('takes the address the trusted proxy appended, never the ones the client sent before it', () => {
    expect(clientAddress(request('10.0.0.2', '198.51.100.1, 203.0.113.9'), true)).toBe('203.0.113.9');
    expect(clientAddress(request('10.0.0.2', ['198.51.100.1', '2001:db8::5']), true)).toBe('2001:db8::5');
  });

  it('falls back to the connection when the proxy sent no usable address', () => {
    expect(clientAddress(request('10.0.0.2'), true)).toBe('10.0.0.2');
    expect(clientAddress(request('10.0.0.2', '203.0.113.9, not-an-address'), true)).toBe('10.0.0.2');
  });
});
