import { LibraryScriptVersion } from '../../db/entities/library-script';
import { declarationsProblem, resolveValues, ScriptInterpreter, ScriptKind, ScriptParameterType, valuesProblem } from '../../lib/library-scripts';
import { libraryRunPlan } from '../../services/scripts/library-script-run';

const DECLARED = [
  { name: 'GREETING', type: ScriptParameterType.STRING, defaultValue: 'hello' },
  { name: 'COUNT', type: ScriptParameterType.INTEGER },
  { name: 'DRY_RUN', type: ScriptParameterType.BOOLEAN, defaultValue: 'false' },
];

function version(interpreter: ScriptInterpreter, body: string): LibraryScriptVersion {
  return Object.assign(new LibraryScriptVersion(), { name: 'Reset', version: 3, kind: ScriptKind.PASSWORD_RESET, interpreter, body, parameters: DECLARED });
}

describe('library script parameters', () => {
  it('checks declarations: names, duplicates and default types', () => {
    expect(declarationsProblem(DECLARED)).toBeNull();
    expect(declarationsProblem([{ name: 'PATH', type: ScriptParameterType.STRING }])?.[1]).toContain('cannot be a parameter name');
    expect(declarationsProblem([...DECLARED, DECLARED[0]!])?.[1]).toContain('declared twice');
    expect(declarationsProblem([{ name: 'N', type: ScriptParameterType.INTEGER, defaultValue: '1.5' }])?.[1]).toContain('integer');
  });

  it('checks a task’s values against the types, and asks for those without a default', () => {
    expect(valuesProblem(DECLARED, { COUNT: '7' })).toBeNull();
    expect(valuesProblem(DECLARED, {})?.[1]).toContain('COUNT has no default');
    expect(valuesProblem(DECLARED, { COUNT: 'seven' })?.[1]).toContain('integer');
    expect(valuesProblem(DECLARED, { COUNT: '1', DRY_RUN: 'yes' })?.[1]).toContain('true or false');
    expect(valuesProblem(DECLARED, { COUNT: '1', OTHER: 'x' })?.[1]).toContain('declares no parameter OTHER');
  });

  it('fills defaults around the task’s values', () => {
    expect(resolveValues(DECLARED, { COUNT: '2', GREETING: 'hi' })).toEqual({ GREETING: 'hi', COUNT: '2', DRY_RUN: 'false' });
  });
});

describe('library script run plans', () => {
  const secrets = { newPassword: "n3w'$(reboot)", currentPassword: 'cur"rent`id`' };

  it('sh: a constant command; parameters in the environment, secrets on stdin', () => {
    const plan = libraryRunPlan(version(ScriptInterpreter.SH, 'read -r new; echo "$GREETING"'), 'deploy', { COUNT: '2' }, secrets);
    expect(plan.command).toBe(`sh -c 'read -r new; echo "$GREETING"'`);
    expect(plan.env).toEqual({ GREETING: 'hello', COUNT: '2', DRY_RUN: 'false', STEWARD_ACCOUNT: 'deploy' });
    expect(plan.stdin).toBe(`${secrets.newPassword}\n${secrets.currentPassword}\n`);
    expect(plan.posixShell).toBe(true);
    expect(plan.label).toBe('"Reset" v3');
  });

  it('PowerShell: a constant command; everything else on stdin, encoded so it stays data', () => {
    const plan = libraryRunPlan(version(ScriptInterpreter.POWERSHELL, 'Set-LocalUser -Name $env:STEWARD_ACCOUNT'), 'deploy', { COUNT: '2' }, secrets);
    expect(plan.command).toBe('pwsh -NoProfile -NonInteractive -Command -');
    expect(plan.env).toEqual({});
    expect(plan.posixShell).toBe(false);
    for (const value of [secrets.newPassword, secrets.currentPassword, 'Set-LocalUser']) {
      expect(plan.stdin).not.toContain(value);
      expect(plan.stdin).toContain(Buffer.from(value, 'utf8').toString('base64').slice(0, 8));
    }
    expect(plan.stdin).toMatch(/^\$env:COUNT = /m);
    expect(plan.stdin).toMatch(/^\$StewardNewPassword = /m);
  });

  it('a task that lost a value the script needs fails the run, naming the script', () => {
    expect(() => libraryRunPlan(version(ScriptInterpreter.SH, 'true'), 'deploy', {}, {})).toThrow(/"Reset" v3: Parameter COUNT has no default/);
  });
});
