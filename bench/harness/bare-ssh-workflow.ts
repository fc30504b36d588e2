/** P2's baseline: the least a Temporal workflow can do for a job, one activity that runs one SSH command. */
import { proxyActivities } from '@temporalio/workflow';
import type { BareSshActivities } from './bare-ssh-activities';

const { execOnAccount } = proxyActivities<BareSshActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });

export async function bareSshExec(input: { account: number; command: string }): Promise<void> {
  await execOnAccount(input.account, input.command);
}
