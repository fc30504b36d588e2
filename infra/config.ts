/** Runtime configuration, read once from the environment. Every variable is documented in README.md. */
export interface StewardConfig {
  databaseUrl: string;
  /** STEWARD_MASTER_KEY, with the keys it replaced (STEWARD_PREVIOUS_MASTER_KEYS) to open what they sealed. */
  masterKey: MasterKeyring;
  temporalAddress: string;
  temporalNamespace: string;
  nodeName: string;
  apiPort: number;
  publicUrl: string;
  /** This server's name among the Steward servers it shares client tasks with: STEWARD_SERVER_NAME. */
  serverName: string;
  /** Whether GraphQL answers introspection: STEWARD_INTROSPECTION, else off under NODE_ENV=production. */
  introspection: boolean;
  /** Origins of Temporal Web UIs allowed to call the codec endpoint. */
  codecOrigins: string[];
  /** How many jobs of one client task run may be in progress at once; unset, the run workflow's default. */
  clientRunConcurrency?: number;
  accounts: AccountPolicy;
  /** Whether a reverse proxy in front of the API appends the client's address to X-Forwarded-For. */
  trustProxy: boolean;
  /** How long a stopping process lets work in flight finish: a worker's running activities, the API's requests. */
  shutdownGraceSeconds: number;
  /** The worker's /metrics port (STEWARD_WORKER_METRICS_PORT); unset or 0, no listener. */
  workerMetricsPort?: number;
  /** Where the Temporal SDK's own Prometheus exporter listens, on loopback, for the worker's /metrics to pass on (STEWARD_TEMPORAL_SDK_METRICS_PORT, default the metrics port + 1). */
  temporalSdkMetricsPort?: number;
}

/** How long tokens live and how hard login is throttled. */
export interface AccountPolicy {
  sessionHours: number;
  /** The lifetime of an API token created without one. */
  apiTokenDefaultDays: number;
  /** The longest lifetime an API token may be given. */
  apiTokenMaxDays: number;
  loginThrottle: LoginThrottleLimits;
}

/** Failed logins counted in fixed windows; over a limit, every attempt is refused until the window ends. */
export interface LoginThrottleLimits {
  windowSeconds: number;
  maxFailuresPerUsername: number;
  maxFailuresPerAddress: number;
}

export const DEFAULT_ACCOUNT_POLICY: AccountPolicy = {
  sessionHours: 12,
  apiTokenDefaultDays: 30,
  apiTokenMaxDays: 365,
  loginThrottle: { windowSeconds: 900, maxFailuresPerUsername: 5, maxFailuresPerAddress: 50 },
};

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { MasterKeyring } from '../lib/master-keyring';
import { LOCAL_NODE } from '../lib/nodes';

/** What this server calls itself when sharing client tasks, and where peers reach it, unless configured. */
export const DEFAULT_SERVER_IDENTITY = { name: 'steward', url: 'http://localhost:4000/graphql' };
/** The name and GraphQL URL this server gives peers (services/federation/server-identity.ts). */
export function serverIdentityOf(config: Pick<StewardConfig, 'serverName' | 'publicUrl'>): { name: string; url: string } {
  return { name: config.serverName, url: `${config.publicUrl.replace(/\/+$/, '')}/graphql` };
}
const SERVER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/steward';
/** Within the 30 s Kubernetes gives a stopping pod before SIGKILL (docker-compose.yml gives 30 s and more). */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 25;

/** Where `npm start` keeps the master key it generates, under the checkout, when STEWARD_MASTER_KEY is not set. */
export const GENERATED_MASTER_KEY_FILE = '.data/master.key';

/** `source` names where the key came from, for the error. */
export function parseMasterKey(encoded: string | undefined, source = 'STEWARD_MASTER_KEY'): Buffer {
  if (!encoded) {
    throw new Error(`${source} is not set: it must be the base64 encoding of 32 random bytes (openssl rand -base64 32)`);
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== 32) {
    throw new Error(`${source} must decode to 32 bytes, got ${key.length}`);
  }
  return key;
}

/** STEWARD_MASTER_KEY seals; STEWARD_PREVIOUS_MASTER_KEYS (comma-separated base64) only open what they sealed before a rotation. */
export function loadMasterKeyring(env: NodeJS.ProcessEnv = process.env): MasterKeyring {
  const previous = (env.STEWARD_PREVIOUS_MASTER_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean)
    .map((key, index) => parseMasterKey(key, `key ${index + 1} of STEWARD_PREVIOUS_MASTER_KEYS`));
  return new MasterKeyring(parseMasterKey(env.STEWARD_MASTER_KEY), previous);
}

/** Why a key file is open to others than its owner (group or world may read or write it), or null when it is not. */
export function keyFileExposure(path: string): string | null {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return null;
  return `${path} is open to its group or others (mode ${mode.toString(8).padStart(4, '0')})`;
}

/** A master key from a file holding its base64; a file others may read or write is refused. */
export function readMasterKeyFile(path: string): Buffer {
  const exposure = keyFileExposure(path);
  if (exposure) throw new Error(`refusing the key file: ${exposure}; chmod 600 ${path}`);
  return parseMasterKey(readFileSync(path, 'utf8').trim(), path);
}

/** Writes a master key's base64 to a new file only its owner may read; an existing file is never replaced. */
export function writeMasterKeyFile(path: string, key: Buffer): void {
  try {
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${path} already exists: the new key goes to a new file, never over another`);
    throw error;
  }
}

/** Where PostgreSQL and Temporal are: all an operator command that seals nothing needs. */
export function loadServiceAddresses(env: NodeJS.ProcessEnv = process.env): Pick<StewardConfig, 'databaseUrl' | 'temporalAddress' | 'temporalNamespace'> {
  return {
    databaseUrl: env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    temporalAddress: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): StewardConfig {
  const apiPort = Number(env.PORT ?? 4000);
  return {
    ...loadServiceAddresses(env),
    masterKey: loadMasterKeyring(env),
    nodeName: env.STEWARD_NODE ?? LOCAL_NODE,
    apiPort,
    publicUrl: env.STEWARD_PUBLIC_URL ?? `http://localhost:${apiPort}`,
    serverName: serverName(env.STEWARD_SERVER_NAME),
    introspection: introspection(env),
    codecOrigins: (env.STEWARD_CODEC_ORIGINS ?? 'http://localhost:8233,http://127.0.0.1:8233,http://localhost:8080')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    clientRunConcurrency: positiveInteger(env.STEWARD_CLIENT_RUN_CONCURRENCY, 'STEWARD_CLIENT_RUN_CONCURRENCY'),
    accounts: loadAccountPolicy(env),
    trustProxy: onOff(env.STEWARD_TRUST_PROXY, 'STEWARD_TRUST_PROXY') ?? false,
    shutdownGraceSeconds: positiveInteger(env.STEWARD_SHUTDOWN_GRACE_SECONDS, 'STEWARD_SHUTDOWN_GRACE_SECONDS') ?? DEFAULT_SHUTDOWN_GRACE_SECONDS,
    ...workerMetricsPorts(env),
  };
}

/** Read on its own too, by operator commands that need no master key. */
export function loadAccountPolicy(env: NodeJS.ProcessEnv = process.env): AccountPolicy {
  const setting = (name: string, fallback: number) => positiveInteger(env[name], name) ?? fallback;
  const defaults = DEFAULT_ACCOUNT_POLICY;
  const policy: AccountPolicy = {
    sessionHours: setting('STEWARD_SESSION_HOURS', defaults.sessionHours),
    apiTokenDefaultDays: setting('STEWARD_API_TOKEN_DEFAULT_DAYS', defaults.apiTokenDefaultDays),
    apiTokenMaxDays: setting('STEWARD_API_TOKEN_MAX_DAYS', defaults.apiTokenMaxDays),
    loginThrottle: {
      windowSeconds: setting('STEWARD_LOGIN_WINDOW_SECONDS', defaults.loginThrottle.windowSeconds),
      maxFailuresPerUsername: setting('STEWARD_LOGIN_MAX_FAILURES_PER_USERNAME', defaults.loginThrottle.maxFailuresPerUsername),
      maxFailuresPerAddress: setting('STEWARD_LOGIN_MAX_FAILURES_PER_ADDRESS', defaults.loginThrottle.maxFailuresPerAddress),
    },
  };
  if (policy.apiTokenDefaultDays > policy.apiTokenMaxDays) {
    throw new Error(`STEWARD_API_TOKEN_DEFAULT_DAYS (${policy.apiTokenDefaultDays}) is longer than STEWARD_API_TOKEN_MAX_DAYS (${policy.apiTokenMaxDays})`);
  }
  return policy;
}

/** Defaults to the host's name, so two servers on two hosts differ without being told. */
function serverName(value: string | undefined): string {
  const name = value || hostname();
  if (!SERVER_NAME_PATTERN.test(name)) throw new Error(`STEWARD_SERVER_NAME must be 1-128 letters, digits, dots, dashes or underscores, starting with a letter or digit, got "${name}"`);
  return name;
}

function introspection(env: NodeJS.ProcessEnv): boolean {
  return onOff(env.STEWARD_INTROSPECTION, 'STEWARD_INTROSPECTION') ?? env.NODE_ENV !== 'production';
}

function onOff(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value !== 'on' && value !== 'off') throw new Error(`${name} must be on or off, got "${value}"`);
  return value === 'on';
}

function httpUrl(value: string | undefined, name: string): string | null {
  if (value === undefined || value === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(`${name} must be an http or https URL, got "${value}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${name} must be an http or https URL, got "${value}"`);
  return parsed.toString();
}

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${name} must be a whole number of at least 1, got "${value}"`);
  return parsed;
}

function workerMetricsPorts(env: NodeJS.ProcessEnv): Pick<StewardConfig, 'workerMetricsPort' | 'temporalSdkMetricsPort'> {
  const port = env.STEWARD_WORKER_METRICS_PORT === '0' ? undefined : positiveInteger(env.STEWARD_WORKER_METRICS_PORT, 'STEWARD_WORKER_METRICS_PORT');
  if (!port) return {};
  return { workerMetricsPort: port, temporalSdkMetricsPort: positiveInteger(env.STEWARD_TEMPORAL_SDK_METRICS_PORT, 'STEWARD_TEMPORAL_SDK_METRICS_PORT') ?? port + 1 };
}

/** A remote node's worker without the database and master key: it seals with its node's key only (docs/scale-out.md). */
export interface NodeWorkerConfig extends Pick<StewardConfig, 'temporalAddress' | 'temporalNamespace' | 'nodeName' | 'shutdownGraceSeconds' | 'workerMetricsPort' | 'temporalSdkMetricsPort'> {
  /** STEWARD_NODE_KEY: the node's key, which `steward node-key` writes where the master key is. */
  nodeKey: Buffer;
  /** STEWARD_API_URL: where the node reaches the Steward API, to say hello at start and fetch granted packages; null when unset. */
  apiUrl: string | null;
}

/**
 * The configuration of a keyless node worker, or null when this worker is a full one: the local
 * node's, or a remote node's given STEWARD_MASTER_KEY (and so the database too).
 */
export function loadNodeWorkerConfig(env: NodeJS.ProcessEnv = process.env): NodeWorkerConfig | null {
  const nodeName = env.STEWARD_NODE ?? LOCAL_NODE;
  if (nodeName === LOCAL_NODE || env.STEWARD_MASTER_KEY) return null;
  const { temporalAddress, temporalNamespace } = loadServiceAddresses(env);
  return {
    nodeName,
    nodeKey: parseMasterKey(env.STEWARD_NODE_KEY, 'STEWARD_NODE_KEY (written for the node by `steward node-key NODE --write-to PATH` where the master key is)'),
    apiUrl: httpUrl(env.STEWARD_API_URL, 'STEWARD_API_URL'),
    temporalAddress,
    temporalNamespace,
    shutdownGraceSeconds: positiveInteger(env.STEWARD_SHUTDOWN_GRACE_SECONDS, 'STEWARD_SHUTDOWN_GRACE_SECONDS') ?? DEFAULT_SHUTDOWN_GRACE_SECONDS,
    ...workerMetricsPorts(env),
  };
}
