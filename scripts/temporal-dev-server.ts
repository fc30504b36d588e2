import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { STEWARD_SEARCH_ATTRIBUTE_NAMES } from '../workflows/search-attributes';

export interface DevServerOptions {
  executable: string;
  port: number;
  uiPort: number;
  /** SQLite file for persistence; in memory when omitted. */
  dbFile?: string;
  codecEndpoint?: string;
  headless?: boolean;
  /** Namespaces registered at start, besides `default`, each with Steward's search attributes. */
  namespaces?: string[];
}

/** The Temporal CLI the bootstrap built, or the one TEMPORAL_CLI names. */
export function findTemporalCli(repoRoot: string): string | null {
  const candidates = [process.env.TEMPORAL_CLI, path.join(repoRoot, '.tools', 'bin', 'temporal')].filter((c): c is string => !!c);
  return candidates.find((candidate) => existsSync(candidate)) ?? null;
}

/** The flags of `temporal server start-dev` as Steward runs it, shared by `npm start` and the tests. */
export function devServerArgs(options: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'error'];
  if (options.dbFile) {
    args.push('--db-filename', options.dbFile, '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  }
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);
  for (const namespace of options.namespaces ?? []) args.push('--namespace', namespace);
  for (const name of STEWARD_SEARCH_ATTRIBUTE_NAMES) args.push('--search-attribute', `${name}=Keyword`);
  return args;
}

export function startDevServer(options: DevServerOptions): ChildProcess {
  return spawn(options.executable, devServerArgs(options), { stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`nothing answered on ${host}:${port} within ${timeoutMs / 1000} s`);
}
