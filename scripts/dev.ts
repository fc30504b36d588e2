/**
 * `npm start`: Steward on its embedded defaults, on one machine. Starts the Temporal dev server
 * (SQLite persistence, Steward's search attributes, the Web UI), migrates the database, then
 * runs a worker for the local node and the API. Ctrl-C stops everything it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { DEFAULT_DATABASE_URL, GENERATED_MASTER_KEY_FILE, parseMasterKey } from '../infra/config';
import { findTemporalCli, startDevServer, waitForPort } from './temporal-dev-server';

const repoRoot = path.resolve(__dirname, '..', '..');
const dataDir = path.join(repoRoot, '.data');
const children: ChildProcess[] = [];
let stopping = false;

/** The master key from the environment, or one kept in .data/ so restarts can still decrypt. */
function masterKey(): string {
  if (process.env.STEWARD_MASTER_KEY) return parseMasterKey(process.env.STEWARD_MASTER_KEY).toString('base64');
  const file = path.join(repoRoot, GENERATED_MASTER_KEY_FILE);
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
    console.log('generated a master key in .data/master.key (set STEWARD_MASTER_KEY to use your own)');
  }
  return readFileSync(file, 'utf8').trim();
}

function run(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'scripts', script)], { env, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} stopped unexpectedly (${signal ?? `exit code ${code}`}); stopping Steward`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.reverse().map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
  process.exit(exitCode);
}

async function waitForTemporal(address: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const apiPort = Number(process.env.PORT ?? 4000);
  const env: NodeJS.ProcessEnv = { ...process.env, STEWARD_MASTER_KEY: masterKey(), PORT: String(apiPort) };
  const lines: string[] = [];

  if (!process.env.TEMPORAL_ADDRESS) {
    const executable = findTemporalCli(repoRoot);
    if (!executable) {
      throw new Error('no Temporal CLI: run `bash scripts/bootstrap.sh` (needs Go), or set TEMPORAL_CLI to a temporal binary, or TEMPORAL_ADDRESS to a running server');
    }
    const port = Number(process.env.TEMPORAL_PORT ?? 7233);
    const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
    const temporal = startDevServer({
      executable,
      port,
      uiPort,
      dbFile: path.join(dataDir, 'temporal.db'),
      codecEndpoint: `${process.env.STEWARD_PUBLIC_URL ?? `http://localhost:${apiPort}`}/codec`,
    });
    children.push(temporal);
    temporal.on('exit', (code) => {
      if (!stopping) {
        console.error(`the Temporal dev server stopped (exit code ${code}); stopping Steward`);
        void stop(1);
      }
    });
    env.TEMPORAL_ADDRESS = `127.0.0.1:${port}`;
    await waitForPort(port);
    lines.push(`Temporal server  ${env.TEMPORAL_ADDRESS} (state in .data/temporal.db)`, `Temporal Web UI  http://localhost:${uiPort}`);
  } else {
    lines.push(`Temporal server  ${process.env.TEMPORAL_ADDRESS} (from TEMPORAL_ADDRESS)`);
  }
  await waitForTemporal(env.TEMPORAL_ADDRESS!);

  const migrate = spawn(process.execPath, [path.join(repoRoot, 'dist', 'scripts', 'migrate.js')], { env, stdio: 'inherit' });
  const migrated = await new Promise<number | null>((resolve) => migrate.on('exit', resolve));
  if (migrated !== 0) throw new Error('the database migration failed (see above)');

  run('the worker', 'worker.js', env);
  run('the API', 'api.js', env);
  await waitForPort(apiPort);
  lines.push(
    `PostgreSQL       ${(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL).replace(/\/\/[^@]*@/, '//')}`,
    `Worker           node "local", task queue steward.local`,
    `GraphQL API      http://localhost:${apiPort}/graphql`,
    `Codec endpoint   http://localhost:${apiPort}/codec (operators only)`,
  );
  console.log(`\nSteward is running:\n  ${lines.join('\n  ')}\nPress Ctrl-C to stop.\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  void stop(1);
});
