import { ScriptKey } from '../../lib/enums';
import { passwordChangePlan } from '../../services/vault/script-library';

const account = { username: 'deploy', password: 'old-Secret-1' };
const shadow = { username: 'admin', password: 'admin-Secret-2' };
const next = 'new-Secret-3';

describe('password change plans', () => {
  it('Unix: the account runs passwd with current, new and again on stdin', () => {
    const plan = passwordChangePlan(ScriptKey.PASSWORD_RESET_REMOTE_UNIX, account, next);
    expect(plan).toEqual({ connectAs: account, command: 'LC_ALL=C passwd', stdin: `${account.password}\n${next}\n${next}\n`, posixShell: true });
  });

  it('Unix with a shadow account: the shadow logs in and runs chpasswd for the account', () => {
    const plan = passwordChangePlan(ScriptKey.PASSWORD_RESET_REMOTE_UNIX, account, next, shadow);
    expect(plan).toEqual({ connectAs: shadow, command: 'LC_ALL=C chpasswd', stdin: `deploy:${next}\n`, posixShell: true });
  });

  it.each([
    ['without a shadow account', null, account],
    ['with a shadow account', shadow, shadow],
  ])('Windows %s: PowerShell Set-LocalUser reads the account and the new password from stdin', (_label, withShadow, connectAs) => {
    const plan = passwordChangePlan(ScriptKey.PASSWORD_RESET_REMOTE_WINDOWS, account, next, withShadow);
    expect(plan.connectAs).toEqual(connectAs);
    expect(plan.command).toMatch(/^powershell\.exe -NoProfile -NonInteractive -Command "/);
    expect(plan.command).toContain('Set-LocalUser -Name $account -Password $password');
    expect(plan.command).toContain('[Console]::In.ReadLine()');
    expect(plan.stdin).toBe(`deploy\n${next}\n`);
    // Not a POSIX shell: the change cannot be stopped by its process group.
    expect(plan.posixShell).toBe(false);
    // No secret, and not even the account name, is spliced into the command line.
    for (const value of [next, account.password, shadow.password, 'deploy']) expect(plan.command).not.toContain(value);
  });
});
