/**
 * Commands on a host that can be stopped. A stoppable run records its process group in a pid file
 * named by its run label; when the run is aborted, a second channel of the same connection asks
 * the host to stop that group (the command and everything it started), and only then does the
 * run throw. Closing the connection alone would not do: without a terminal, sshd leaves the
 * command running.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ExecOptions, ExecResult, SshSession } from './ssh';

/** Run labels name pid files; the shell lines below check the same alphabet. */
export const RUN_LABEL = /^[A-Za-z0-9_.-]{1,128}$/;

/** Exit status of the stop command when its input is malformed. */
const STOP_FAILED = 97;

/** Quotes a constant script as one argument of `sh -c`. */
export function shCommand(script: string): string {
  return `sh -c '${script.replace(/'/g, `'\\''`)}'`;
}

/**
 * One AND-list of shell that records the shell's process group in `$steward_pidfile`, the pid
 * file of `$STEWARD_RUN_LABEL`; callers append what to do when it fails (`|| …`). sshd starts each
 * session in a process group of its own, so the recorded group is exactly this run.
 */
export const RECORD_RUN_GROUP =
  'steward_pidfile="$HOME/.steward-agent/run/$STEWARD_RUN_LABEL.pid" && mkdir -p "${steward_pidfile%/*}" && ' +
  'steward_group=$(cut -d " " -f 5 "/proc/$$/stat") && printf "%s\\n" "$steward_group" > "$steward_pidfile"';

/** Stops the run named on stdin: TERM to its process group, KILL after five seconds. Prints "stopped", or "absent" when nothing runs under that label. */
const STOP_COMMAND = shCommand(`set -u
read -r label || exit ${STOP_FAILED}
case $label in ""|*[!A-Za-z0-9_.-]*) exit ${STOP_FAILED};; esac
pidfile="$HOME/.steward-agent/run/$label.pid"
if [ ! -f "$pidfile" ]; then echo absent; exit 0; fi
read -r group < "$pidfile"
case $group in ""|*[!0-9]*) exit ${STOP_FAILED};; esac
kill -TERM -"$group" 2>/dev/null
tries=0
while kill -0 -"$group" 2>/dev/null; do
  tries=$((tries + 1))
  if [ $tries -gt 20 ]; then kill -KILL -"$group" 2>/dev/null; break; fi
  sleep 0.25
done
rm -f "$pidfile"
echo stopped`);

/** How long to keep asking the host to stop a run whose pid file is not there yet (the run may still be starting). */
const STOP_ATTEMPTS = 40;
const STOP_RETRY_MS = 250;
/** After the stop command, how long to wait for the run's channel to close. */
const CLOSE_GRACE_MS = 10_000;

/** The run was aborted and stopped on the host. Named like the platform's abort error, so Temporal records a cancellation. */
class RunAbortedError extends Error {
  override readonly name = 'AbortError';

  constructor() {
    super('The command was cancelled and stopped on the host');
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new RunAbortedError();
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

/** Asks the host, over a second channel, to stop the run's process group, until it did or the run ended by itself. */
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
 * Runs a command until it ends or the signal aborts. On abort, a run with a run label (one whose
 * command records its group with RECORD_RUN_GROUP) is stopped on the host first; then the abort
 * reason is thrown.
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

/** An activity's attempt at work on a host: aborting the signal stops it there; a retry after a dead worker is an earlier attempt's heir. */
export interface HostAttempt {
  signal: AbortSignal;
  /** True on a retry: an earlier attempt may have left the run going on the host. */
  earlierAttempt?: boolean;
}

/** What stops a command: the signal, and the label its process group is recorded under. */
export interface StopControl {
  signal: AbortSignal;
  runLabel: string;
  /** A retry of a run whose worker died: what the earlier attempt left going under the label is stopped first. */
  earlierAttempt?: boolean;
}

/**
 * Stops what an earlier attempt of a run left going on the host under its label: a worker that
 * died mid-run could not stop it, and without a terminal sshd leaves it running, so a retry would
 * otherwise run beside it. True when something was stopped.
 */
export async function stopEarlierAttempt(ssh: SshSession, runLabel: string): Promise<boolean> {
  if (!RUN_LABEL.test(runLabel)) throw new Error(`invalid run label: ${JSON.stringify(runLabel)}`);
  return (await ssh.exec(STOP_COMMAND, { stdin: `${runLabel}\n` })).stdout.includes('stopped');
}

/**
 * Runs a command line of the account's (POSIX) login shell so that aborting stops it on the host,
 * with everything it started. Its output and exit status are the command's own. Where the group
 * cannot be recorded (no writable home, no /proc), the command still runs, but an abort cannot
 * stop it on the host.
 */
export async function execStoppable(ssh: SshSession, command: string, options: ExecOptions, stop: StopControl): Promise<ExecResult> {
  if (!RUN_LABEL.test(stop.runLabel)) throw new Error(`invalid run label: ${JSON.stringify(stop.runLabel)}`);
  if (stop.earlierAttempt) await stopEarlierAttempt(ssh, stop.runLabel);
  // The subshell keeps an `exit` in the command from skipping the pid file's removal.
  const wrapped = [
    `{ ${RECORD_RUN_GROUP}; } 2>/dev/null || steward_pidfile=`,
    '(',
    command,
    ')',
    'steward_status=$?',
    '[ -z "$steward_pidfile" ] || rm -f "$steward_pidfile"',
    'exit $steward_status',
  ].join('\n');
  return execUntilAborted(ssh, wrapped, { ...options, env: { ...options.env, STEWARD_RUN_LABEL: stop.runLabel } }, stop.signal, stop.runLabel);
}
