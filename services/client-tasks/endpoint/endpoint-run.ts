import type { ExecOptions, SshSession, SshTarget } from '../../../infra/ssh';
import { type HostAttempt, stopEarlierAttempt } from '../../../infra/stoppable-exec';
import { PermanentFailure } from '../../shared/permanent-failure';
import { builtInDriver, type EndpointDriver, type PackageSource, type RepositoryPackage, runProductCommand } from './drivers';
import { EndpointSession } from './endpoint-session';
import { type Report, REPORT_PREFIX } from './report';
import type { HiddenLine } from '../../jobs/output-writer';
import type { GrantedJob } from '../../nodes/node-credentials';
import type { SystemStateWriter } from './system-state';

/**
 * One client task on one system, planned centrally: the login (password included), the task
 * type's driver by name, and checked settings. Whoever carries it out needs nothing else, so a
 * keyless node can (services/client-tasks/endpoint/node-run.ts).
 */
export interface EndpointRunPlan {
  target: SshTarget;
  systemId: string;
  taskType: { product: string; name: string; command: string | null };
  /** Valid against the task type's settings schema. */
  settings: Record<string, unknown>;
  /** Unique per job, e.g. the job id; names the remote pid file so a run can be stopped. */
  runLabel: string;
  /** For a node: the packages a driver that takes packages may take (planned-packages.ts). */
  packages?: RepositoryPackage[];
  /**
   * For a node: the job, and the grant that lets the node stream its output to the API and fetch
   * those packages' tarballs while it runs; signed centrally (services/nodes/node-credentials.ts).
   */
  job?: GrantedJob;
}

export interface EndpointRunResult {
  summary: string;
  report: Report;
  /** What the endpoint printed, step by step, secrets redacted. */
  output: string;
}

export interface EndpointRunOptions extends HostAttempt {
  /** Told what the run is doing at each step; the caller keeps heartbeating in between (activities/host-work.ts). */
  heartbeat: (details: string) => void;
  /** Aborting stops the task on the endpoint, then the run throws the abort reason (Temporal's CancelledFailure in an activity). */
  signal: AbortSignal;
}

/** Where a run's driver gets packages and leaves what it learned of the system, and who follows its output live. */
export interface EndpointSurroundings {
  repository: PackageSource;
  state: SystemStateWriter;
  onOutput?: ExecOptions['onOutput'];
}

/** The report line is for Steward, not for people following the job. */
export const REPORT_LINE: HiddenLine = (stream, line) => stream === 'stdout' && line.startsWith(REPORT_PREFIX);

/** A type with a command runs it; a built-in type without one runs Steward's own driver. */
export function driverFor({ product, name, command }: EndpointRunPlan['taskType']): EndpointDriver {
  if (command) return runProductCommand;
  const driver = builtInDriver(product, name);
  if (!driver) throw new PermanentFailure(`${product} / ${name} has no command and is not built in, so it cannot run`);
  return driver;
}

/** Carries out a planned run over an open connection to its system. A permanent failure carries what the endpoint printed. */
export async function runPlannedTask(ssh: SshSession, plan: EndpointRunPlan, surroundings: EndpointSurroundings, options: EndpointRunOptions): Promise<EndpointRunResult> {
  const driver = driverFor(plan.taskType);
  if (options.earlierAttempt && (await stopEarlierAttempt(ssh, plan.runLabel))) options.heartbeat('Stopped what an earlier attempt left running');
  const secrets = [plan.target.password];
  const session = new EndpointSession(ssh, { runLabel: plan.runLabel, heartbeat: options.heartbeat, signal: options.signal, secrets, onOutput: surroundings.onOutput });
  try {
    const outcome = await driver({
      session,
      repository: surroundings.repository,
      state: surroundings.state,
      system: { id: plan.systemId },
      taskType: { name: plan.taskType.name, command: plan.taskType.command },
      settings: plan.settings,
    });
    return { ...outcome, output: session.output() };
  } catch (error) {
    if (error instanceof PermanentFailure) error.output = session.output();
    throw error;
  }
}
