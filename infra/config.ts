/** Runtime configuration, read once from the environment. Every variable is documented in README.md. */
export interface StewardConfig {
  databaseUrl: string;
  masterKey: Buffer;
  temporalAddress: string;
  temporalNamespace: string;
  nodeName: string;
  apiPort: number;
  publicUrl: string;
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

import { LOCAL_NODE } from '../lib/nodes';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/steward';
/** Within the 30 s Kubernetes gives a stopping pod before SIGKILL (docker-compose.yml gives 30 s and more). */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 25;

export function parseMasterKey(encoded: string | undefined): Buffer {
  if (!encoded) {
    throw new Error('STEWARD_MASTER_KEY is not set: it must be the base64 encoding of 32 random bytes (openssl rand -base64 32)');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== 32) {
    throw new Error(`STEWARD_MASTER_KEY must decode to 32 bytes, got ${key.length}`);
  }
  return key;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): StewardConfig {
  const apiPort = Number(env.PORT ?? 4000);
  return {
    databaseUrl: env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    masterKey: parseMasterKey(env.STEWARD_MASTER_KEY),
    temporalAddress: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    nodeName: env.STEWARD_NODE ?? LOCAL_NODE,
    apiPort,
    publicUrl: env.STEWARD_PUBLIC_URL ?? `http://localhost:${apiPort}`,
    introspection: introspection(env),
    codecOrigins: (env.STEWARD_CODEC_ORIGINS ?? 'http://localhost:8233,http://127.0.0.1:8233,http://localhost:8080')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    clientRunConcurrency: positiveInteger(env.STEWARD_CLIENT_RUN_CONCURRENCY, 'STEWARD_CLIENT_RUN_CONCURRENCY'),
    accounts: loadAccountPolicy(env),
    trustProxy: onOff(env.STEWARD_TRUST_PROXY, 'STEWARD_TRUST_PROXY') ?? false,
    shutdownGraceSeconds: positiveInteger(env.STEWARD_SHUTDOWN_GRACE_SECONDS, 'STEWARD_SHUTDOWN_GRACE_SECONDS') ?? DEFAULT_SHUTDOWN_GRACE_SECONDS,
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

function introspection(env: NodeJS.ProcessEnv): boolean {
  return onOff(env.STEWARD_INTROSPECTION, 'STEWARD_INTROSPECTION') ?? env.NODE_ENV !== 'production';
}

function onOff(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value !== 'on' && value !== 'off') throw new Error(`${name} must be on or off, got "${value}"`);
  return value === 'on';
}

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${name} must be a whole number of at least 1, got "${value}"`);
  return parsed;
}
