import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';

/** Server-wide settings: one row, id 1. */
@Entity({ tableName: 'server_settings' })
@ObjectType('FallbackSettings', { description: 'How failed jobs are re-run as Fallback jobs.' })
export class ServerSettings {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  id: Opt<number> = 1;

  @Field(() => Boolean, { name: 'enabled', description: 'Whether failed jobs are re-run.' })
  @Property({ type: 'boolean', default: false })
  fallbackEnabled: Opt<boolean> = false;

  @Field(() => Int, { name: 'frequencySeconds', description: 'Seconds between a failure and its Fallback job.' })
  @Property({ type: 'integer', default: 3600 })
  fallbackFrequencySeconds: Opt<number> = 3600;

  @Field(() => Int, { name: 'cycles', description: 'How many Fallback jobs at most follow one failure.' })
  @Property({ type: 'integer', default: 3 })
  fallbackCycles: Opt<number> = 3;

  /** Read through sessionSettings: after this many minutes a session counts as ended, reported or not. */
  @Property({ type: 'integer', default: 480 })
  sessionMaxMinutes: Opt<number> = 480;

  /** Read through the client task approval API, not through FallbackSettings. */
  @Property({ type: 'boolean', default: false })
  clientTaskApprovalRequired: Opt<boolean> = false;

  /** Read through the client task document policy: whether imports take documents no registered server's signature vouches for. */
  @Property({ type: 'boolean', default: true })
  unverifiedDocumentsAccepted: Opt<boolean> = true;

  /** Names account locks (services/vault/vault-job-service.ts); never leaves the server. */
  @Property({ type: 'string', length: 64, lazy: true })
  lockKey!: Opt<string>;

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when updating.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
