/**
 * A Steward entry point (scripts/*.ts) as its own OS process, the way production runs it, so a
 * test can signal it, or kill it outright.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_MASTER_KEY, testEnvironment } from './test-env';

export interface ScriptProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** Sends SIGTERM (or the given signal) and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ScriptProcessOptions {
  /** The entry point, relative to scripts/. */
  script: string;
  /** What the process is, for error messages. */
  name: string;
  /** What it prints once it serves, and what that means ("serving its task queue"), for error messages. */
  ready: { line: string; meaning: string };
  /** Added to (and overriding) the run's database, master key and Temporal address. */
  env: Record<string, string>;
  /** Taken out of the environment the process gets, e.g. DATABASE_URL and STEWARD_MASTER_KEY for a keyless node. */
  withoutEnv?: string[];
  /** How long to wait for the ready line. */
  readyTimeoutMs?: number;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Starts the script; resolves once it prints its ready line, rejects (with its output) if it exits or hangs first. */
export async function startScriptProcess(options: ScriptProcessOptions): Promise<ScriptProcess> {
  const env = testEnvironment();
  const script = path.resolve(__dirname, '..', '..', 'scripts', options.script);
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: env.databaseUrl,
    STEWARD_MASTER_KEY: TEST_MASTER_KEY,
    TEMPORAL_ADDRESS: env.temporalAddress,
    TEMPORAL_NAMESPACE: env.temporalNamespace,
    ...options.env,
  };
  for (const name of options.withoutEnv ?? []) delete childEnv[name];
  const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', script], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => {
    if (hasExited(child)) resolve();
    else child.once('exit', () => resolve());
  });

  const handle: ScriptProcess = {
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
      setTimeout(() => finish(new Error(`${options.name} exited before ${options.ready.meaning} (${describeExit()}):\n${output}`)), 100);
    };
    const onError = (error: Error) => finish(new Error(`${options.name} could not start: ${error.message}\n${output}`));
    const poll = setInterval(() => {
      if (output.includes(options.ready.line)) finish();
    }, 50);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`${options.name} was not ${options.ready.meaning} within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    child.once('exit', onExit);
    child.once('error', onError);
  });
  return handle;
}
