/**
 * A Steward worker as its own OS process (scripts/worker.ts, the production entry point), so a
 * test can run several nodes side by side, and kill one of them outright.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_MASTER_KEY, testEnvironment } from './test-env';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** Sends SIGTERM (or the given signal) and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface WorkerProcessOptions {
  nodeName: string;
  /** Defaults to the run's shared Temporal dev server. */
  temporalAddress?: string;
  /** Added to (and overriding) the environment, e.g. DATABASE_URL for another database. */
  extraEnv?: Record<string, string>;
  /** How long to wait for the worker to say it serves its task queue. */
  readyTimeoutMs?: number;
}

const WORKER_SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'worker.ts');
const READY = 'serving task queue';

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Starts `scripts/worker.ts` for a node; resolves once it serves its task queue, rejects (with its output) if it exits or hangs first. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const env = testEnvironment();
  const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', WORKER_SCRIPT], {
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      STEWARD_MASTER_KEY: TEST_MASTER_KEY,
      TEMPORAL_ADDRESS: options.temporalAddress ?? env.temporalAddress,
      STEWARD_NODE: options.nodeName,
      ...options.extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => {
    if (hasExited(child)) resolve();
    else child.once('exit', () => resolve());
  });

  const handle: WorkerProcess = {
    child,
    logs: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!hasExited(child)) child.kill(signal);
      await exited;
    },
  };

  const timeoutMs = options.readyTimeoutMs ?? 90_000;
  await new Promise<void>((resolve, reject) => {
    const describeExit = () => `exit code ${child.exitCode ?? 'none'}, signal ${child.signalCode ?? 'none'}`;
    const finish = (error?: Error) => {
      clearInterval(poll);
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onExit = () => {
      // The last chunk of output may still be in flight when 'exit' fires.
      setTimeout(
        () =>
          finish(new Error(`the worker for node "${options.nodeName}" exited before serving its task queue (${describeExit()}):\n${output}`)),
        100,
      );
    };
    const onError = (error: Error) => finish(new Error(`the worker for node "${options.nodeName}" could not start: ${error.message}\n${output}`));
    const poll = setInterval(() => {
      if (output.includes(READY)) finish();
    }, 50);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`the worker for node "${options.nodeName}" did not serve its task queue within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    child.once('exit', onExit);
    child.once('error', onError);
  });
  return handle;
}
