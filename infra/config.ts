/** Runtime configuration, read once from the environment. Every variable is documented in README.md. */
export interface StewardConfig {
  databaseUrl: string;
  masterKey: Buffer;
  temporalAddress: string;
  temporalNamespace: string;
  nodeName: string;
  apiPort: number;
  publicUrl: string;
  /** Origins of Temporal Web UIs allowed to call the codec endpoint. */
  codecOrigins: string[];
  /** How many jobs of one client task run may be in progress at once; unset, the run workflow's default. */
  clientRunConcurrency?: number;
}

import { LOCAL_NODE } from '../lib/nodes';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/steward';

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
    codecOrigins: (env.STEWARD_CODEC_ORIGINS ?? 'http://localhost:8233,http://127.0.0.1:8233,http://localhost:8080')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    clientRunConcurrency: positiveInteger(env.STEWARD_CLIENT_RUN_CONCURRENCY, 'STEWARD_CLIENT_RUN_CONCURRENCY'),
  };
}

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${name} must be a whole number of at least 1, got "${value}"`);
  return parsed;
}
