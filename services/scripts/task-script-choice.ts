import type { EntityManager } from '@mikro-orm/postgresql';
import { LibraryScript } from '../../db/entities';
import { ScriptKind, scriptKeysOfKind, valuesProblem } from '../../lib/library-scripts';
import type { ScriptKey } from '../../lib/enums';
import type { ScriptParameters } from '../../lib/script-parameters';
import { NotFoundError } from '../shared/errors';
import { assertId } from '../shared/validation';

/**
 * Why a task cannot run the library script it names, as [field, message]; null when it can. The
 * task's `script` must be of the script's kind (the workflow runs it as that), it gives no command
 * of its own, and its parameter values fit the script's declarations.
 */
export async function libraryScriptProblem(
  em: EntityManager,
  spec: { script: ScriptKey; libraryScriptId?: string | null; scriptParameters?: ScriptParameters | null },
): Promise<[string, string] | null> {
  assertId(spec.libraryScriptId!, 'Script');
  const script = await em.findOne(LibraryScript, { id: spec.libraryScriptId! });
  if (!script) throw new NotFoundError('Script', spec.libraryScriptId!);
  if (script.builtInKey) return ['libraryScriptId', `"${script.name}" is built in: choose it with script: ${script.builtInKey} instead`];
  if (!scriptKeysOfKind(script.kind).includes(spec.script)) {
    return ['script', `Script "${script.name}" is a ${script.kind} script: the task's script must be one of ${scriptKeysOfKind(script.kind).join(', ')}`];
  }
  if (spec.scriptParameters?.command) return ['command', 'A task running a library script takes no command of its own'];
  const length = spec.scriptParameters?.passwordLength;
  if (length != null && script.kind !== ScriptKind.PASSWORD_RESET) return ['passwordLength', 'Only password resets take a password length'];
  if (length != null && (!Number.isInteger(length) || length < 12 || length > 128)) return ['passwordLength', 'passwordLength must be between 12 and 128'];
  return valuesProblem(script.parameters, spec.scriptParameters?.parameters ?? {});
}
