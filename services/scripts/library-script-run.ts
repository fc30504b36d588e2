import type { EntityManager } from '@mikro-orm/postgresql';
import { type Job, LibraryScript, LibraryScriptVersion, type Task } from '../../db/entities';
import { ScriptInterpreter, resolveValues, valuesProblem } from '../../lib/library-scripts';
import { shCommand } from '../../infra/stoppable-exec';
import { PermanentFailure } from '../shared/permanent-failure';

/** How to run one library script version on a host: the command line carries no data at all. */
export interface LibraryRunPlan {
  command: string;
  /** Secrets, one a line (and for PowerShell the whole program): data, never parsed by a shell. */
  stdin: string;
  /** Parameters and STEWARD_ACCOUNT, exported by the remote POSIX shell as quoted values. */
  env: Record<string, string>;
  /** A POSIX login shell runs the command, so a cancel can stop it on the host. */
  posixShell: boolean;
  /** Names the script in results: `"<name>" v<version>`. */
  label: string;
}

/** Secrets a run hands the script, in this order: `$StewardNewPassword`/`$StewardCurrentPassword` in PowerShell, stdin lines for sh. */
export interface RunSecrets {
  newPassword?: string;
  currentPassword?: string;
}

const POWERSHELL_COMMAND = 'pwsh -NoProfile -NonInteractive -Command -';

/** A PowerShell string expression of the value: base64 has no quote or `$`, so the value cannot become code. */
function powershellData(value: string): string {
  return `[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${Buffer.from(value, 'utf8').toString('base64')}'))`;
}

/**
 * The run of a library script version. POSIX sh gets the body as its `-c` script (a constant of
 * the library, quoted), the parameters in the environment and the secrets on stdin. PowerShell
 * reads its whole program from stdin: a prelude that sets the parameters (`$env:`) and secrets
 * from encoded data, then the body, encoded too, run as one script block.
 */
export function libraryRunPlan(version: LibraryScriptVersion, account: string, taskValues: Record<string, string> | null | undefined, secrets: RunSecrets): LibraryRunPlan {
  const problem = valuesProblem(version.parameters, Object.fromEntries(Object.entries(taskValues ?? {}).filter(([name]) => version.parameters.some((p) => p.name === name))));
  if (problem) throw new PermanentFailure(`Script "${version.name}" v${version.version}: ${problem[1]}`);
  const env = { ...resolveValues(version.parameters, taskValues), STEWARD_ACCOUNT: account };
  const label = `"${version.name}" v${version.version}`;
  const secretLines = [secrets.newPassword, secrets.currentPassword].filter((value): value is string => value !== undefined);
  if (version.interpreter === ScriptInterpreter.SH) {
    return { command: shCommand(version.body), stdin: secretLines.map((line) => `${line}\n`).join(''), env, posixShell: true, label };
  }
  const prelude = [
    'trap { [Console]::Error.WriteLine($_); exit 1 }',
    ...Object.entries(env).map(([name, value]) => `$env:${name} = ${powershellData(value)}`),
    ...(secrets.newPassword !== undefined ? [`$StewardNewPassword = ${powershellData(secrets.newPassword)}`] : []),
    ...(secrets.currentPassword !== undefined ? [`$StewardCurrentPassword = ${powershellData(secrets.currentPassword)}`] : []),
    `& ([ScriptBlock]::Create(${powershellData(version.body)}))`,
    'exit $LASTEXITCODE',
  ];
  return { command: POWERSHELL_COMMAND, stdin: `${prelude.join('\n')}\n`, env: {}, posixShell: false, label };
}

/** The curated library script version a job started with; null when it runs a built-in (or started before the library). */
export async function libraryVersionOfJob(em: EntityManager, job: Job): Promise<LibraryScriptVersion | null> {
  if (!job.libraryScriptVersion) return null;
  const version = await em.findOneOrFail(LibraryScriptVersion, { id: job.libraryScriptVersion.id }, { populate: ['script'] });
  return version.script.getEntity().builtInKey ? null : version;
}

/** The version a job of the task runs: the library script's current one, or the built-in's. */
export async function currentVersionForTask(em: EntityManager, task: Task, builtInId: string): Promise<LibraryScriptVersion | null> {
  const scriptId = task.libraryScript?.id ?? builtInId;
  const script = await em.findOne(LibraryScript, { id: scriptId });
  return script ? em.findOne(LibraryScriptVersion, { script: script.id, version: script.version }) : null;
}
