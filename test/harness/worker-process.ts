/**
 * A Steward worker as its own OS process (scripts/worker.ts, the production entry point), so a
 * test can run several nodes side by side, and kill one of them outright.
 */
import { type ScriptProcess, startScriptProcess } from './script-process';

export type WorkerProcess = ScriptProcess;

export interface WorkerProcessOptions {
  nodeName: string;
  /** Defaults to the run's shared Temporal dev server. */
  temporalAddress?: string;
  /** Added to (and overriding) the environment, e.g. DATABASE_URL for another database. */
  extraEnv?: Record<string, string>;
  /** Taken out of the environment, e.g. DATABASE_URL and STEWARD_MASTER_KEY for a keyless node's worker. */
  withoutEnv?: string[];
  /** How long to wait for the worker to say it serves its task queue. */
  readyTimeoutMs?: number;
}

/** Starts `scripts/worker.ts` for a node; resolves once it serves its task queue, rejects (with its output) if it exits or hangs first. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  return startScriptProcess({
    script: 'worker.ts',
    name: `the worker for node "${options.nodeName}"`,
    ready: { line: 'serving task queue', meaning: 'serving its task queue' },
    env: {
      // A Temporal server of the test's own has only `default`.
      ...(options.temporalAddress ? { TEMPORAL_ADDRESS: options.temporalAddress, TEMPORAL_NAMESPACE: 'default' } : {}),
      STEWARD_NODE: options.nodeName,
      ...options.extraEnv,
    },
    withoutEnv: options.withoutEnv,
    readyTimeoutMs: options.readyTimeoutMs,
  });
}
