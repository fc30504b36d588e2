import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { LibraryScript, Task } from '../../db/entities';
import { ScriptInterpreter, ScriptKind, ScriptParameterType } from '../../lib/library-scripts';
import { Connection } from './connection';

registerEnumType(ScriptKind, {
  name: 'ScriptKind',
  description: 'What a library script does in a job: the change step of a password reset, a verify, or a command.',
  valuesConfig: {
    PASSWORD_RESET: { description: 'The “change” step of a password reset; the pending, verify and promote steps stay Steward’s.' },
    VERIFY: { description: 'Checks the account’s password on its host; exit code 0 means it works.' },
    COMMAND: { description: 'Any command on the host.' },
  },
});
registerEnumType(ScriptInterpreter, {
  name: 'ScriptInterpreter',
  description: 'SH: POSIX sh over SSH; POWERSHELL: pwsh over SSH, the program on stdin.',
  valuesConfig: {
    SH: { description: 'POSIX sh: the body is its -c script; secrets arrive on stdin, parameters in the environment.' },
    POWERSHELL: { description: 'PowerShell (pwsh -NoProfile -Command -): the body arrives on stdin after a prelude that holds the data.' },
  },
});
registerEnumType(ScriptParameterType, {
  name: 'ScriptParameterType',
  description: 'The type a declared parameter’s values must have.',
  valuesConfig: {
    STRING: { description: 'Any text.' },
    INTEGER: { description: 'A whole number, written in decimal (such as "42").' },
    BOOLEAN: { description: '"true" or "false".' },
  },
});

@ObjectType({ description: 'A parameter a library script declares; tasks give values, the default fills the rest.' })
export class DeclaredScriptParameter {
  @Field(() => String, { description: 'The parameter’s name; the script reads it as an environment variable of that name.' })
  name!: string;

  @Field(() => ScriptParameterType, { description: 'The type its values must have.' })
  type!: ScriptParameterType;

  @Field(() => String, { nullable: true, description: 'Null: every task must give a value.' })
  defaultValue!: string | null;

  @Field(() => String, { nullable: true, description: 'What the parameter means, for people filling it in; null for none.' })
  description!: string | null;
}

@ObjectType({ description: 'A task that runs a library script, and where it is defined.' })
export class ScriptUsage {
  @Field(() => Task, { description: 'A task that runs the script.' })
  task!: Task;

  @Field(() => ID, { nullable: true, description: 'Set when the task belongs to a record type.' })
  recordTypeId!: string | null;

  @Field(() => ID, { nullable: true, description: 'Set when the task belongs to one record (Make Unique).' })
  recordId!: string | null;
}

@ObjectType({ description: 'What a library script mutation returns.' })
export class ScriptPayload {
  @Field(() => LibraryScript, { description: 'The library script after the change.' })
  script!: LibraryScript;
}

export const ScriptConnection = Connection(LibraryScript, 'Script');
