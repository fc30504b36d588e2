import { Entity, type Opt, Property, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';

/**
 * Another Steward server this one trusts to send it shared client tasks, and sends its own to.
 * Nothing from a peer is trusted without this registration: its key verifies what it signs.
 */
@Entity({ tableName: 'registered_servers' })
@ObjectType({ description: 'A peer Steward server registered by an administrator: shares are exchanged with it, signed with its key.' })
export class RegisteredServer extends BaseEntity {
  /** The peer's own server name (its STEWARD_SERVER_NAME): the issuer of what it signs, the audience of what we send it. */
  @Field(() => String, { description: 'The peer’s name here, unique.' })
  @Property({ type: 'string', length: 128 })
  @Unique()
  name!: string;

  @Field(() => String, { description: 'The peer’s GraphQL endpoint, e.g. https://steward-b.example.com/graphql.' })
  @Property({ type: 'string', length: 2048 })
  graphqlUrl!: string;

  /** The peer's Ed25519 public key: the 32 raw bytes, base64url without padding (a JWK's `x`). */
  @Field(() => String, { description: 'The peer’s Ed25519 public key: 32 raw bytes, base64url (as its serverIdentity shows it).' })
  @Property({ type: 'string', length: 64 })
  publicKey!: string;

  @Field(() => Boolean, { description: 'A disabled peer is neither sent shares nor accepted from.' })
  @Property({ type: 'boolean', default: true })
  enabled: Opt<boolean> = true;

  @Field(() => Int, { description: 'Optimistic-lock version; send it back when updating.' })
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
