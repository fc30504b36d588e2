import { setTimeout as delay } from 'node:timers/promises';
import type { ExecOptions, ExecResult, SshSession } from '../../../infra/ssh';
import { EndpointRunAbortedError } from './errors';
import { STOP_COMMAND } from './remote-commands';

/** How long to keep asking the endpoint to stop a run whose pid file is not there yet (the launcher may still be starting). */
const STOP_ATTEMPTS = 40;
const STOP_RETRY_MS = 250;
/** After the stop command, how long to wait for the run's channel to close. */
const CLOSE_GRACE_MS = 10_000;

export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new EndpointRunAbortedError();
}

/** Resolves when the signal aborts; dispose() removes the listener. */
function whenAborted(signal: AbortSignal): { aborted: Promise<void>; dispose(): void } {
  let listener: () => void = () => undefined;
  const aborted = new Promise<void>((resolve) => {
    listener = () => resolve();
    signal.addEventListener('abort', listener, { once: true });
  });
  return { aborted, dispose: () => signal.removeEventListener('abort', listener) };
}

/** Asks the endpoint, over a second channel, to stop the run's process group, until it did or the run ended by itself. */
async function stopRemoteRun(ssh: SshSession, runLabel: string, running: Promise<unknown>): Promise<void> {
  let ended = false;
  const settled = running.then(
    () => (ended = true),
    () => (ended = true),
  );
  for (let attempt = 0; attempt < STOP_ATTEMPTS && !ended; attempt++) {
    // A connection that died takes the run's channel with it; there is nothing left to ask.
    const result = await ssh.exec(STOP_COMMAND, { stdin: `${runLabel}\n` }).catch(() => null);
    if (!result || result.stdout.includes('stopped')) break;
    await delay(STOP_RETRY_MS);
  }
  await Promise.race([settled, delay(CLOSE_GRACE_MS)]);
}

/**
 * Runs a command until it ends or the signal aborts. On abort, a launched run (one with a run
 * label) is stopped on the endpoint first; then the abort reason is thrown.
 */
export async function execUntilAborted(ssh: SshSession, command: string, options: ExecOptions, signal: AbortSignal, runLabel: string | null): Promise<ExecResult> {
  if (signal.aborted) throw abortError(signal);
  const running = ssh.exec(command, options);
  const abort = whenAborted(signal);
  try {
    const first = await Promise.race([running.then((result) => ({ result })), abort.aborted.then(() => null)]);
    if (first) return first.result;
  } finally {
    abort.dispose();
  }
  if (runLabel) await stopRemoteRun(ssh, runLabel, running);
  throw abortError(signal);
}
