/**
 * P1: On Demand latency, from the runOnDemandTask mutation to Completed in Job History, next to
 * the same work done bare over node-ssh on the same sshd, measured in turn in the same run.
 * First a Custom Command `true` (bare: connect, exec `true`, close), then a full password
 * rotation (bare: log in and run the script library's passwd plan, then log in with the new password).
 */
import { ScriptKey } from '../lib/enums';
import { canLogin, withSshSession } from '../infra/ssh';
import { generatePassword } from '../services/vault/password-policy';
import { passwordChangePlan } from '../services/vault/script-library';
import { createTestUser } from '../test/harness/sshd';
import { createRotatableRecord, runOnDemand, sshTarget } from '../test/harness/vault-fixtures';
import { addCustomCommand, type BenchStack, untilState } from './harness/fixtures';
import { type BenchRow, latencies, percentile } from './harness/results';

const TARGET = 1.25;

async function timeRuns(runs: number, once: () => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push(await once());
  return times;
}

async function stewardRun(bench: BenchStack, recordId: string, taskId: string): Promise<number> {
  const startedAt = Date.now();
  const job = await runOnDemand(bench.stack, bench.token, recordId, taskId);
  return untilState(bench, job.id, ['COMPLETED'], startedAt);
}

function row(id: string, what: string, steward: number[], baseline: number[]): BenchRow {
  const ratio = percentile(steward, 50) / percentile(baseline, 50);
  return {
    id,
    what,
    steward: latencies(steward),
    baseline: latencies(baseline),
    ratio,
    target: `p50 ≤ ${TARGET}×`,
    met: ratio <= TARGET,
    samples: { stewardMs: steward, baselineMs: baseline },
  };
}

export async function runP1(bench: BenchStack, runs: number): Promise<BenchRow[]> {
  const command = await createRotatableRecord(bench.stack, bench.token, { script: 'VERIFY_PASSWORD' });
  const rotating = await createRotatableRecord(bench.stack, bench.token);
  let barePassword = generatePassword();
  const bare = await createTestUser(barePassword);
  try {
    const trueTask = await addCustomCommand(bench, command.recordId, 'true');
    const target = sshTarget(command.username, command.initialPassword);
    // One of each first, so neither side pays for a cold start in its figures.
    await stewardRun(bench, command.recordId, trueTask);
    await withSshSession(target, (session) => session.exec('true'));

    const stewardTrue = await timeRuns(runs, () => stewardRun(bench, command.recordId, trueTask));
    const bareTrue = await timeRuns(runs, async () => {
      const startedAt = Date.now();
      const result = await withSshSession(target, (session) => session.exec('true'));
      if (result.exitCode !== 0) throw new Error(`bare \`true\` exited with ${result.exitCode}`);
      return Date.now() - startedAt;
    });

    const stewardRotation = await timeRuns(runs, () => stewardRun(bench, rotating.recordId, rotating.taskId));
    const bareRotation = await timeRuns(runs, async () => {
      const startedAt = Date.now();
      const next = generatePassword();
      const plan = passwordChangePlan(ScriptKey.PASSWORD_RESET_REMOTE_UNIX, { username: bare.username, password: barePassword }, next);
      const changed = await withSshSession(sshTarget(plan.connectAs.username, plan.connectAs.password), (session) => session.exec(plan.command, { stdin: plan.stdin }));
      if (changed.exitCode !== 0) throw new Error(`bare passwd exited with ${changed.exitCode}: ${changed.stderr}`);
      if (!(await canLogin(sshTarget(bare.username, next)))) throw new Error('bare rotation: the new password does not log in');
      barePassword = next;
      return Date.now() - startedAt;
    });

    return [
      row('P1', 'On Demand Custom Command `true`: mutation to Completed (baseline: bare node-ssh exec)', stewardTrue, bareTrue),
      row('P1', 'On Demand full rotation: mutation to Completed (baseline: the same SSH steps, bare)', stewardRotation, bareRotation),
    ];
  } finally {
    await Promise.all([command.removeUser(), rotating.removeUser(), bare.remove()]);
  }
}
