/**
 * SSH access to managed hosts: password auth only, host keys pinned by SHA-256 fingerprint.
 *
 * The host key is checked in ssh2's `hostVerifier`, which runs during key exchange, before any
 * authentication request; a changed or unknown key therefore never receives the password.
 * Secrets go only into the auth request and into a command's stdin, never into a command
 * line or an error message.
 */
import { createHash } from 'crypto';
import { NodeSSH, type Config } from 'node-ssh';
import { timeSsh } from './metrics';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  /** OpenSSH form: "SHA256:<base64 without padding>". */
  hostKeyFingerprint: string;
}

export interface ExecResult {
  /** null when the command ended without an exit status (killed by a signal, connection lost). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed. The place for secrets. */
  stdin?: string;
  /** Non-secret parameters only: the values become part of the remote shell's command line. */
  env?: Record<string, string>;
  /** Called whenever output arrives; used for activity heartbeats. */
  onProgress?: () => void;
  /** Called with each chunk of output as it arrives; used to stream a running job's output. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export interface SshSession {
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
}

export class HostKeyMismatchError extends Error {
  override readonly name = 'HostKeyMismatchError';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `host key for ${host}:${port} is ${actual}, but the record trusts ${expected || '(no key)'}; refusing to connect`,
    );
  }
}

export class SshAuthenticationError extends Error {
  override readonly name = 'SshAuthenticationError';
}

export class SshConnectionError extends Error {
  override readonly name = 'SshConnectionError';
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** SHA-256 of the raw public key blob, printed the way `ssh-keygen -lf` prints it. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Tolerates surrounding whitespace and base64 padding in a stored fingerprint. */
function normalizeFingerprint(fp: string): string {
  return fp.trim().replace(/=+$/, '');
}

/** POSIX single-quoting: inside '...' nothing is special except ', which becomes '\''. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * ssh2's `env` option sends "setenv" requests, which sshd silently drops unless AcceptEnv
 * lists the name, so instead the variables are exported by the remote shell itself, with
 * each value single-quoted so it arrives as data and is never parsed as shell syntax.
 */
function withEnv(command: string, env: Record<string, string> | undefined): string {
  const entries = Object.entries(env ?? {});
  if (entries.length === 0) return command;
  const assignments = entries.map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name: ${JSON.stringify(name)}`);
    if (value.includes('\0')) throw new Error(`environment variable ${name} contains a NUL byte`);
    return `${name}=${shellQuote(value)}`;
  });
  return `export ${assignments.join(' ')}\n${command}`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorLevel(err: unknown): string | undefined {
  return (err as { level?: unknown } | null)?.level as string | undefined;
}

interface ConnectOutcome {
  ssh: NodeSSH;
  /** Set by the persistent 'error' listener; ssh2 throws on an 'error' event nobody listens to. */
  lastError: () => Error | undefined;
}

async function connect(target: SshTarget, readyTimeoutMs: number): Promise<ConnectOutcome> {
  const expected = normalizeFingerprint(target.hostKeyFingerprint);
  let actual: string | undefined;
  const ssh = new NodeSSH();
  const config: Config = {
    host: target.host,
    port: target.port,
    username: target.username,
    password: target.password,
    tryKeyboard: false,
    agent: undefined,
    authHandler: ['password'],
    readyTimeout: readyTimeoutMs,
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
    hostVerifier: (key: Buffer): boolean => {
      actual = hostKeyFingerprint(key);
      return actual === expected;
    },
  };
  try {
    await timeSsh('connect', () => ssh.connect(config));
  } catch (err) {
    ssh.dispose();
    // ssh2 reports a refused key as a generic "Host denied (verification failed)".
    if (actual !== undefined && actual !== expected) {
      throw new HostKeyMismatchError(target.host, target.port, target.hostKeyFingerprint, actual);
    }
    const where = `${target.username}@${target.host}:${target.port}`;
    if (errorLevel(err) === 'client-authentication') {
      throw new SshAuthenticationError(`password authentication failed for ${where}`, { cause: err });
    }
    throw new SshConnectionError(`could not connect to ${where}: ${describe(err)}`, { cause: err });
  }
  let lastError: Error | undefined;
  ssh.connection?.on('error', (err: Error) => {
    lastError = err;
  });
  return { ssh, lastError: () => lastError };
}

async function run(conn: ConnectOutcome, target: SshTarget, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const collect = (into: Buffer[], stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    into.push(chunk);
    options.onOutput?.(stream, chunk);
    options.onProgress?.();
  };
  let response;
  try {
    response = await timeSsh('exec', () =>
      conn.ssh.execCommand(withEnv(command, options.env), {
        stdin: options.stdin,
        noTrim: true,
        onStdout: collect(stdout, 'stdout'),
        onStderr: collect(stderr, 'stderr'),
      }),
    );
  } catch (err) {
    throw new SshConnectionError(`command could not be started on ${target.host}:${target.port}: ${describe(err)}`, {
      cause: err,
    });
  }
  const lost = conn.lastError();
  if (response.code === null && lost) {
    throw new SshConnectionError(`connection to ${target.host}:${target.port} lost: ${lost.message}`, { cause: lost });
  }
  // Decode once at the end so multi-byte characters split across chunks stay intact.
  return {
    exitCode: response.code,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  };
}

/** Opens a verified, authenticated connection, runs `work`, and always closes the connection. */
export async function withSshSession<T>(
  target: SshTarget,
  work: (session: SshSession) => Promise<T>,
  options: { readyTimeoutMs?: number } = {},
): Promise<T> {
  const conn = await connect(target, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  try {
    return await work({ exec: (command, execOptions) => run(conn, target, command, execOptions) });
  } finally {
    conn.ssh.dispose();
  }
}

/** True when the password is accepted; a refused host key or an unreachable host is an error, not "false". */
export async function canLogin(target: SshTarget): Promise<boolean> {
  try {
    await withSshSession(target, (session) => session.exec('true'));
    return true;
  } catch (err) {
    if (err instanceof SshAuthenticationError) return false;
    throw err;
  }
}

/** A server's host key as an administrator confirms it before pinning. */
export interface ScannedHostKey {
  fingerprint: string;
  /** The key's algorithm as the server names it, e.g. ssh-ed25519. */
  keyType: string;
}

/** The algorithm name that opens an SSH public key blob: a uint32 length, then the name. */
function hostKeyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return length > 0 && 4 + length <= key.length ? key.subarray(4, 4 + length).toString('latin1') : 'unknown';
}

export async function readHostKeyFingerprint(host: string, port: number): Promise<string> {
  return (await scanHostKey(host, port)).fingerprint;
}

/**
 * Learns a server's host key without sending any credentials: the verifier records the key and
 * rejects it, which aborts the key exchange before authentication starts.
 */
export async function scanHostKey(host: string, port: number): Promise<ScannedHostKey> {
  let seen: ScannedHostKey | undefined;
  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      host,
      port,
      username: 'steward-keyscan',
      tryKeyboard: false,
      agent: undefined,
      authHandler: [],
      readyTimeout: DEFAULT_READY_TIMEOUT_MS,
      hostVerifier: (key: Buffer): boolean => {
        seen = { fingerprint: hostKeyFingerprint(key), keyType: hostKeyType(key) };
        return false;
      },
    });
  } catch (err) {
    if (seen !== undefined) return seen;
    throw new SshConnectionError(`could not read the host key of ${host}:${port}: ${describe(err)}`, { cause: err });
  } finally {
    ssh.dispose();
  }
  throw new SshConnectionError(`${host}:${port} completed a handshake without presenting a host key`);
}
