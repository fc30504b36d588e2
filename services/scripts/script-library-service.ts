import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { AuditOutcome, Job, LibraryScript, LibraryScriptVersion, Task, type User } from '../../db/entities';
import { JobState, Role } from '../../lib/enums';
import { declarationsProblem, MAX_SCRIPT_BODY, type ScriptInterpreter, type ScriptKind, type ScriptParameterDeclaration, valuesProblem } from '../../lib/library-scripts';
import { actorOf, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError, ForbiddenError } from '../shared/errors';
import { findByIdOrNotFound } from '../shared/find';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';
import { assertNotBlank } from '../shared/validation';

export interface ScriptFilter {
  kind?: ScriptKind | null;
  /** True: only the built-ins; false: only the curated scripts. */
  builtIn?: boolean | null;
  nameContains?: string | null;
}

/** What an administrator writes; kind is set once, at creation. */
export interface ScriptContent {
  name: string;
  description?: string | null;
  interpreter: ScriptInterpreter;
  body: string;
  parameters: ScriptParameterDeclaration[];
}

/** The fields an edit is audited by, before and after. */
type Snapshot = Pick<LibraryScript, 'name' | 'description' | 'interpreter' | 'body' | 'parameters'>;

function snapshot(script: Snapshot): Snapshot {
  return { name: script.name, description: script.description, interpreter: script.interpreter, body: script.body, parameters: script.parameters };
}

/** Only the fields that changed, before and after: the audit entry's diff. */
function diff(before: Snapshot, after: Snapshot): { before: Partial<Snapshot>; after: Partial<Snapshot> } {
  const changed = (Object.keys(after) as (keyof Snapshot)[]).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  return {
    before: Object.fromEntries(changed.map((key) => [key, before[key]])),
    after: Object.fromEntries(changed.map((key) => [key, after[key]])),
  };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The Script Library: everyone signed in reads it; administrators create, edit, duplicate and
 * delete the curated scripts. The built-ins are read-only rows. Every edit saves a new version
 * (kept, so a job runs the version it started with) and is audited with its diff.
 */
export class ScriptLibraryService {
  constructor(private readonly em: EntityManager) {}

  list(filter: ScriptFilter, page: PageRequest): Promise<Page<LibraryScript>> {
    const where: FilterQuery<LibraryScript> = {};
    if (filter.kind) where.kind = filter.kind;
    if (filter.builtIn != null) where.builtInKey = filter.builtIn ? { $ne: null } : null;
    if (filter.nameContains?.trim()) where.name = { $ilike: `%${escapeLike(filter.nameContains.trim())}%` };
    return paginateNewestFirst(this.em, LibraryScript, where, page);
  }

  get(id: string): Promise<LibraryScript> {
    return findByIdOrNotFound(this.em, LibraryScript, id, 'Script');
  }

  /** The saved versions, newest first. */
  versions(script: LibraryScript): Promise<LibraryScriptVersion[]> {
    return this.em.find(LibraryScriptVersion, { script: script.id }, { orderBy: { version: 'desc' } });
  }

  /** The tasks that run the script: shown before an edit, which changes what all of them run. */
  usedBy(script: LibraryScript): Promise<Task[]> {
    const where: FilterQuery<Task> = script.builtInKey ? { script: script.builtInKey, libraryScript: null } : { libraryScript: script.id };
    return this.em.find(Task, where, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  create(user: User, kind: ScriptKind, content: ScriptContent): Promise<LibraryScript> {
    this.assertAdministrator(user);
    return this.insert(user, kind, content, 'createScript', {});
  }

  /** Edit Script on a library script: what every task using it runs from its next job on. */
  async update(user: User, id: string, version: number, content: ScriptContent): Promise<LibraryScript> {
    this.assertAdministrator(user);
    const script = await this.editable(id);
    await this.em.lock(script, LockMode.OPTIMISTIC, version);
    await this.assertContent(content, script);
    const before = snapshot(script);
    const changes = diff(before, snapshot({ ...content, description: content.description ?? script.description }));
    if (Object.keys(changes.after).length === 0) return script;
    await this.assertTasksStillFit(script, content.parameters);
    script.name = content.name.trim();
    script.description = content.description ?? script.description;
    script.interpreter = content.interpreter;
    script.body = content.body;
    script.parameters = content.parameters;
    const next = script.version + 1;
    this.saveVersion(script, next, user);
    addAuditEvent(this.em, { actor: actorOf(user), action: 'updateScript', target: { type: 'Script', id: script.id }, outcome: AuditOutcome.SUCCESS, details: { version: next, ...changes } });
    await this.em.flush();
    return script;
  }

  /** An editable copy, of a built-in or of a curated script. */
  async duplicate(user: User, id: string, name?: string | null): Promise<LibraryScript> {
    this.assertAdministrator(user);
    const source = await this.get(id);
    const content = { name: name?.trim() || (await this.copyName(source.name)), description: source.description, interpreter: source.interpreter, body: source.body, parameters: source.parameters };
    return this.insert(user, source.kind, content, 'duplicateScript', { from: source.id, fromVersion: source.version });
  }

  /** A new script at version 1, that version saved, and its audit entry, in one transaction. */
  private async insert(user: User, kind: ScriptKind, content: ScriptContent, action: string, details: Record<string, unknown>): Promise<LibraryScript> {
    await this.assertContent(content, null);
    const script = this.em.create(LibraryScript, { ...content, name: content.name.trim(), description: content.description ?? '', kind, version: 1 });
    this.saveVersion(script, 1, user);
    addAuditEvent(this.em, { actor: actorOf(user), action, target: { type: 'Script', id: script.id }, outcome: AuditOutcome.SUCCESS, details: { ...details, version: 1, after: snapshot(script) } });
    await this.em.flush();
    return script;
  }

  /** Only a script no task uses and no unfinished job runs; finished jobs keep its name and version. */
  async delete(user: User, id: string): Promise<void> {
    this.assertAdministrator(user);
    const script = await this.editable(id);
    const tasks = await this.em.count(Task, { libraryScript: script.id });
    if (tasks > 0) throw new ConflictError(`Script "${script.name}" is used by ${tasks} task(s): change or remove them first`);
    const open = await this.em.count(Job, { libraryScriptVersion: { script: script.id }, state: { $in: [JobState.SCHEDULED, JobState.RUNNING] } });
    if (open > 0) throw new ConflictError(`Script "${script.name}" is running in ${open} job(s): wait for them to end`);
    addAuditEvent(this.em, { actor: actorOf(user), action: 'deleteScript', target: { type: 'Script', id: script.id }, outcome: AuditOutcome.SUCCESS, details: { version: script.version, before: snapshot(script) } });
    this.em.remove(script);
    await this.em.flush();
  }

  private saveVersion(script: LibraryScript, version: number, user: User): void {
    this.em.create(LibraryScriptVersion, {
      script: ref(script),
      version,
      name: script.name,
      kind: script.kind,
      interpreter: script.interpreter,
      body: script.body,
      parameters: script.parameters,
      savedBy: user.username,
    });
  }

  private async editable(id: string): Promise<LibraryScript> {
    const script = await this.get(id);
    if (script.builtInKey) throw new ForbiddenError(`"${script.name}" is built in and read-only: duplicate it to edit a copy`);
    return script;
  }

  private async assertContent(content: ScriptContent, existing: LibraryScript | null): Promise<void> {
    assertNotBlank(content.name, 'name');
    if (content.name.trim().length > 128) throw new BadInputError('name is longer than 128 characters', 'name');
    if (!content.body.trim()) throw new BadInputError('A script needs a body', 'body');
    if (content.body.length > MAX_SCRIPT_BODY) throw new BadInputError(`The body is longer than ${MAX_SCRIPT_BODY} characters`, 'body');
    if (content.body.includes('\0')) throw new BadInputError('The body contains a NUL character', 'body');
    const problem = declarationsProblem(content.parameters);
    if (problem) throw new BadInputError(problem[1], problem[0]);
    const taken = await this.em.findOne(LibraryScript, { name: content.name.trim() });
    if (taken && taken.id !== existing?.id) throw new ConflictError(`A script named "${content.name.trim()}" already exists`);
  }

  /** New declarations must still fit every using task's values, or those tasks' next jobs would fail. */
  private async assertTasksStillFit(script: LibraryScript, parameters: ScriptParameterDeclaration[]): Promise<void> {
    for (const task of await this.usedBy(script)) {
      const problem = valuesProblem(parameters, task.scriptParameters?.parameters ?? {});
      if (problem) throw new BadInputError(`Task "${task.name}" (${task.id}) would not fit the new parameters: ${problem[1]}`, 'parameters');
    }
  }

  private async copyName(name: string): Promise<string> {
    for (let n = 1; ; n++) {
      const candidate = `${name} (copy${n > 1 ? ` ${n}` : ''})`.slice(0, 128);
      if (!(await this.em.count(LibraryScript, { name: candidate }))) return candidate;
    }
  }

  private assertAdministrator(user: User): void {
    if (!user.hasRole(Role.SYSTEM_ADMINISTRATOR)) throw new ForbiddenError('Only administrators write scripts');
  }
}
