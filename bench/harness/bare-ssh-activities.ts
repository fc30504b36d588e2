import { type SshTarget, withSshSession } from '../../infra/ssh';

export interface BareSshActivities {
  execOnAccount(account: number, command: string): Promise<void>;
}

/** Runs the command as the account at that index; the workflow carries only the index, never a password. */
export function createBareSshActivities(accounts: readonly SshTarget[]): BareSshActivities {
  return {
    async execOnAccount(account, command) {
      const result = await withSshSession(accounts[account]!, (session) => session.exec(command));
      if (result.exitCode !== 0) throw new Error(`\`${command}\` exited with ${result.exitCode}`);
    },
  };
}
