import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { LibraryScript, LibraryScriptVersion, Task } from '../../db/entities';
import { Role } from '../../lib/enums';
import type { ScriptParameterDeclaration } from '../../lib/library-scripts';
import type { ScriptContent } from '../../services/scripts/script-library-service';
import { type StewardContext, currentUser } from '../context';
import { connectionComplexity } from '../inputs/page-args';
import { CreateScriptInput, DuplicateScriptInput, ScriptRefInput, ScriptsArgs, UpdateScriptInput } from '../inputs/script-library-inputs';
import { toConnection } from '../types/connection';
import { DeletedPayload } from '../types/deleted-payload';
import { ScriptConnection, DeclaredScriptParameter, ScriptPayload, ScriptUsage } from '../types/library-types';

function parametersOf(declarations: ScriptParameterDeclaration[]): DeclaredScriptParameter[] {
  return declarations.map((declaration) => ({ name: declaration.name, type: declaration.type, defaultValue: declaration.defaultValue ?? null, description: declaration.description ?? null }));
}

function contentOf(input: CreateScriptInput | UpdateScriptInput): ScriptContent {
  return {
    name: input.name,
    description: input.description ?? null,
    interpreter: input.interpreter,
    body: input.body,
    parameters: input.parameters.map((p) => ({ name: p.name, type: p.type, defaultValue: p.defaultValue ?? null, description: p.description ?? null })),
  };
}

/** The Script Library: everyone signed in reads it; administrators write it. */
@Authorized()
@Resolver(() => LibraryScript)
export class LibraryResolver {
  @Query(() => ScriptConnection, { description: 'The Script Library, built-ins and curated scripts, newest first.', complexity: connectionComplexity })
  async scripts(@Args(() => ScriptsArgs) args: ScriptsArgs, @Ctx() context: StewardContext) {
    const { filter, ...page } = args;
    return toConnection(await context.services.scriptLibrary.list(filter ?? {}, page));
  }

  @Query(() => LibraryScript, { description: 'One script of the library.' })
  script(@Arg('id', () => ID, { description: 'The library script’s ID.' }) id: string, @Ctx() context: StewardContext): Promise<LibraryScript> {
    return context.services.scriptLibrary.get(id);
  }

  @FieldResolver(() => Boolean, { description: 'A read-only built-in; duplicate it to edit a copy.' })
  builtIn(@Root() script: LibraryScript): boolean {
    return script.builtInKey != null;
  }

  @FieldResolver(() => [DeclaredScriptParameter], { description: 'The named parameters tasks give values for, in order.' })
  parameters(@Root() script: LibraryScript): DeclaredScriptParameter[] {
    return parametersOf(script.parameters);
  }

  @FieldResolver(() => [LibraryScriptVersion], { description: 'Every saved version, newest first.' })
  versions(@Root() script: LibraryScript, @Ctx() context: StewardContext): Promise<LibraryScriptVersion[]> {
    return context.services.scriptLibrary.versions(script);
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @FieldResolver(() => [ScriptUsage], { description: 'The tasks that run it, to show before an edit changes what they all run. Administrators only.' })
  async usedBy(@Root() script: LibraryScript, @Ctx() context: StewardContext): Promise<ScriptUsage[]> {
    return (await context.services.scriptLibrary.usedBy(script)).map((task) => ({ task, recordTypeId: task.recordType?.id ?? null, recordId: task.record?.id ?? null }));
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => ScriptPayload, { description: 'Adds a script to the library at version 1. Audited.' })
  async createScript(@Arg('input', () => CreateScriptInput, { description: 'The new library script’s name, interpreter, body and parameters.' }) input: CreateScriptInput, @Ctx() context: StewardContext): Promise<ScriptPayload> {
    return { script: await context.services.scriptLibrary.create(currentUser(context), input.kind, contentOf(input)) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => ScriptPayload, { description: 'Edit Script: saves a new version (a stale version is a CONFLICT); running jobs keep theirs. Built-ins are read-only. Audited with the diff.' })
  async updateScript(@Arg('input', () => UpdateScriptInput, { description: 'The library script, its new content and the version you read.' }) input: UpdateScriptInput, @Ctx() context: StewardContext): Promise<ScriptPayload> {
    return { script: await context.services.scriptLibrary.update(currentUser(context), input.scriptId, input.version, contentOf(input)) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => ScriptPayload, { description: 'Copies a script, a built-in too, into a new editable one. Audited.' })
  async duplicateScript(@Arg('input', () => DuplicateScriptInput, { description: 'The library script to copy and, optionally, the copy’s name.' }) input: DuplicateScriptInput, @Ctx() context: StewardContext): Promise<ScriptPayload> {
    return { script: await context.services.scriptLibrary.duplicate(currentUser(context), input.scriptId, input.name) };
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => DeletedPayload, { description: 'Deletes a curated script that no task uses and no unfinished job runs. Audited.' })
  async deleteScript(@Arg('input', () => ScriptRefInput, { description: 'The library script to delete.' }) input: ScriptRefInput, @Ctx() context: StewardContext): Promise<DeletedPayload> {
    await context.services.scriptLibrary.delete(currentUser(context), input.scriptId);
    return { id: input.scriptId };
  }
}

@Authorized()
@Resolver(() => LibraryScriptVersion)
export class ScriptVersionResolver {
  @FieldResolver(() => [DeclaredScriptParameter], { description: 'The named parameters this version declares, in order.' })
  parameters(@Root() version: LibraryScriptVersion): DeclaredScriptParameter[] {
    return parametersOf(version.parameters);
  }
}

@Authorized()
@Resolver(() => Task)
export class TaskLibraryScriptResolver {
  @FieldResolver(() => LibraryScript, { nullable: true, description: 'The Script Library script it runs; null when it runs the built-in named by `script`.' })
  async libraryScript(@Root() task: Task): Promise<LibraryScript | null> {
    return (await task.libraryScript?.load()) ?? null;
  }
}
