import { isIPv6 } from 'node:net';
import { BadInputError, NotFoundError } from './errors';

const HOSTNAME = /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const UNIX_USERNAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const NODE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Checks shared by every service that takes hosts, accounts and zones from users. */
export function assertHost(host: string): void {
  const ok = IPV4.test(host) || isIPv6(host) || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host));
  if (!ok) throw new BadInputError(`"${host}" is not a valid host name or IP address`, 'host');
}

export function assertPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new BadInputError(`Port ${port} is outside 1–65535`, 'port');
}

export function assertUsername(username: string): void {
  if (!UNIX_USERNAME.test(username)) {
    throw new BadInputError('A username is 1–32 characters: letters, digits, "_", "." or "-", not starting with a digit', 'username');
  }
}

export function assertFingerprint(fingerprint: string): void {
  if (!FINGERPRINT.test(fingerprint)) {
    throw new BadInputError('A host-key fingerprint looks like "SHA256:" and 43 base64 characters, as ssh-keygen -lf prints it', 'hostKeyFingerprint');
  }
}

/** Zones already found valid: building a formatter to check one costs about 0.1 ms, once per row of a 100,000-record import. Only valid names are kept, so it stays as small as the zone list. */
const knownTimeZones = new Set<string>();

export function assertTimeZone(timeZone: string): void {
  if (knownTimeZones.has(timeZone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new BadInputError(`"${timeZone}" is not a known IANA time zone`, 'timeZone');
  }
  knownTimeZones.add(timeZone);
}

export function assertNodeName(nodeName: string): void {
  if (!NODE_NAME.test(nodeName)) {
    throw new BadInputError('A node name is lowercase letters, digits and "-", up to 63 characters', 'executionNode');
  }
}

/** ASCII control characters: NUL to US, and DEL. */
export const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;

/** A record password reaches `passwd` as one line of its input: a newline or other control character would split or garble it. */
export function assertPassword(password: string, field = 'password'): void {
  if (!password) throw new BadInputError(`${field} must not be empty`, field);
  if (CONTROL_CHARACTER.test(password)) throw new BadInputError(`${field} must not contain a newline, tab or other control character`, field);
}

export function assertNotBlank(value: string, field: string): void {
  if (!value.trim()) throw new BadInputError(`${field} must not be empty`, field);
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An ID that is not even well-formed names nothing that exists. */
export function assertId(id: string, what: string): void {
  if (!UUID.test(id)) throw new NotFoundError(what, id);
}
