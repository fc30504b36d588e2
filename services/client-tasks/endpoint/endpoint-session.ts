import type { ExecOptions, ExecResult, SshSession } from '../../../infra/ssh';
import { execUntilAborted } from '../../../infra/stoppable-exec';
import { redact } from '../../shared/redaction';
import { PermanentFailure } from '../../shared/permanent-failure';
import { LAUNCHER_COMMAND, LAUNCHER_FAILED, launcherInput, UPLOAD_COMMAND } from './remote-commands';
import { type Report, splitReport } from './report';

export interface EndpointSessionOptions {
  runLabel: string;
  heartbeat: (details: string) => void;
  signal: AbortSignal;
  /** Values never to show in output or errors: the account's password. */
  secrets: string[];
  /** Takes the scripts' output as it arrives, for the job's live output. */
  onOutput?: ExecOptions['onOutput'];
}

/** Each step keeps at most this much of its output (the end of it) in the job's output. */
const MAX_STEP_OUTPUT = 64 * 1024;
const UPLOAD_PATH = /^\/.*\/\.steward-agent\/incoming\/upload\.[A-Za-z0-9]+$/;

function tail(text: string): string {
  return text.length > MAX_STEP_OUTPUT ? `[… ${text.length - MAX_STEP_OUTPUT} characters cut]\n${text.slice(-MAX_STEP_OUTPUT)}` : text;
}

/** One SSH connection to an endpoint, used step by step: scripts through the launcher, and uploads. Keeps the run's output. */
export class EndpointSession {
  private readonly transcript: string[] = [];

  constructor(
    private readonly ssh: SshSession,
    private readonly options: EndpointSessionOptions,
  ) {}

  /** Runs a script with the given STEWARD_* variables and returns its report; a failed or silent script is a permanent failure. */
  async runScript(step: string, script: string, environment: Record<string, unknown> = {}): Promise<Report> {
    const result = await this.exec(step, LAUNCHER_COMMAND, launcherInput(this.options.runLabel, environment, script), this.options.runLabel);
    const { text, report, problem } = splitReport(result.stdout);
    this.keep(step, text, result.stderr);
    if (result.exitCode === null) throw new Error(`${step}: the script ended without an exit status (killed on the endpoint?)`);
    if (result.exitCode === LAUNCHER_FAILED && !report) throw new PermanentFailure(`${step}: the endpoint could not start the script: ${this.lastLine(result.stderr)}`);
    if (result.exitCode !== 0) {
      const reason = typeof report?.error === 'string' ? report.error : this.lastLine(result.stderr) || 'no error message';
      throw new PermanentFailure(`${step} failed (exit code ${result.exitCode}): ${this.safe(reason)}`);
    }
    if (!report) throw new PermanentFailure(`${step}: the endpoint did not report back: ${problem}`);
    return report;
  }

  /** Copies bytes into a new private file on the endpoint and returns its path. */
  async upload(step: string, content: Buffer): Promise<string> {
    const result = await this.exec(step, UPLOAD_COMMAND, content.toString('base64'), null);
    const path = result.stdout.trim();
    if (result.exitCode !== 0 || !UPLOAD_PATH.test(path)) {
      throw new PermanentFailure(`${step}: the upload failed (exit code ${result.exitCode}): ${this.lastLine(result.stderr) || 'no error message'}`);
    }
    this.keep(step, `${content.length} bytes uploaded`, '');
    return path;
  }

  /** Everything the steps printed, secrets redacted. */
  output(): string {
    return this.transcript.join('\n');
  }

  private async exec(step: string, command: string, stdin: string, runLabel: string | null): Promise<ExecResult> {
    const { heartbeat, signal, onOutput } = this.options;
    heartbeat(step);
    // Only scripts print for people; an upload prints the path it wrote.
    const live = runLabel ? { onOutput } : {};
    return execUntilAborted(this.ssh, command, { stdin, onProgress: () => heartbeat(step), ...live }, signal, runLabel);
  }

  private keep(step: string, stdout: string, stderr: string): void {
    const printed = [stdout.trim(), stderr.trim()].filter(Boolean).join('\n');
    this.transcript.push(printed ? `== ${step}\n${this.safe(tail(printed))}` : `== ${step}`);
  }

  private lastLine(text: string): string {
    return this.safe(text.trim().split('\n').pop() ?? '');
  }

  private safe(text: string): string {
    return redact(text, this.options.secrets);
  }
}
