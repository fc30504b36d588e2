import { Collection, Entity, Enum, Index, ManyToOne, OneToMany, type Opt, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { JobState, ServerTaskKind } from '../../lib/enums';
import { BaseEntity } from './base';
import { Job } from './job';
import { RegisteredServer } from './registered-server';

/** An object a peer refused, and the rule it gave. */
@ObjectType({ description: 'A shared object a peer refused, with its reason.' })
export class ShareRefusal {
  @Field(() => String, { description: 'The task’s ID on this (the origin) server.' })
  originTaskId!: string;

  @Field(() => String, { description: 'Why the peer refused it, in a sentence.' })
  reason!: string;
}

/** One run of a server task (one workflow started by its Temporal Schedule, or by Run Now): the server task log. */
@Entity({ tableName: 'server_task_runs' })
@Index({ properties: ['createdAt', 'id'] })
@ObjectType({ description: 'One run of a server task, with what it did for each peer.' })
export class ServerTaskRun extends BaseEntity {
  @Field(() => ServerTaskKind, { description: 'Which server task ran.' })
  @Enum({ items: () => ServerTaskKind })
  task!: ServerTaskKind;

  @Field(() => String, { description: 'The Temporal workflow ID of the run.' })
  @Property({ type: 'string', length: 255 })
  @Unique()
  workflowId!: string;

  /** The run's entry in Job History. */
  @ManyToOne(() => Job, { ref: true, nullable: true, deleteRule: 'set null' })
  job?: Ref<Job> | null;

  @Field(() => JobState, { description: 'Where the run stands, as for a job.' })
  @Enum({ items: () => JobState })
  state: Opt<JobState> = JobState.RUNNING;

  @Field(() => Date, { nullable: true, description: 'When it ended (ISO 8601, UTC); null while it runs.' })
  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date | null;

  /** One result per peer the run was for (GraphQL: api/resolvers/share-sync-resolver.ts). */
  @OneToMany(() => ServerTaskPeerResult, (result) => result.run, { orderBy: { peerName: 'asc' } })
  peers = new Collection<ServerTaskPeerResult>(this);
}

/** What one run of the Share Client Tasks server task did for one peer. */
@Entity({ tableName: 'server_task_peer_results' })
@Unique({ properties: ['run', 'peer'] })
@ObjectType({ description: 'What one server task run sent one peer, and what the peer answered.' })
export class ServerTaskPeerResult extends BaseEntity {
  @ManyToOne(() => ServerTaskRun, { ref: true, deleteRule: 'cascade' })
  run!: Ref<ServerTaskRun>;

  @ManyToOne(() => RegisteredServer, { ref: true, nullable: true, deleteRule: 'set null' })
  peer?: Ref<RegisteredServer> | null;

  /** Kept so the log still reads well after the peer is removed. */
  @Field(() => String, { description: 'The registered server’s name, as it was at the run.' })
  @Property({ type: 'string', length: 128 })
  peerName!: string;

  @Field(() => Boolean, { description: 'Whether the peer answered every bundle; a failed peer catches up on a later run.' })
  @Property({ type: 'boolean' })
  succeeded!: boolean;

  @Field(() => String, { nullable: true, description: 'Why the peer could not be reached, or what it answered instead.' })
  @Property({ type: 'text', nullable: true })
  error?: string | null;

  @Field(() => Int, { description: 'Objects sent: shared tasks and tombstones.' })
  @Property({ type: 'integer', default: 0 })
  sent: Opt<number> = 0;

  @Field(() => Int, { description: 'How many shared client tasks the peer created.' })
  @Property({ type: 'integer', default: 0 })
  created: Opt<number> = 0;

  @Field(() => Int, { description: 'How many shared client tasks the peer updated.' })
  @Property({ type: 'integer', default: 0 })
  updated: Opt<number> = 0;

  @Field(() => Int, { description: 'How many no-longer-shared client tasks the peer withdrew.' })
  @Property({ type: 'integer', default: 0 })
  withdrawn: Opt<number> = 0;

  @Field(() => [ShareRefusal], { description: 'The objects the peer refused, and why.' })
  @Property({ type: 'json', default: '[]' })
  refused: Opt<ShareRefusal[]> = [];

  @Field(() => Int, { description: 'Bytes of the signed bundles sent.' })
  @Property({ type: 'integer', default: 0 })
  bytes: Opt<number> = 0;
}
