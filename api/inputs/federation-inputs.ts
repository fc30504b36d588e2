import { IsOptional, IsUUID, Length, MaxLength } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';

@InputType({ description: 'Registers a peer Steward server that may send or receive shared client tasks.' })
export class RegisterServerInput {
  @Field(() => String, { description: 'The peer’s server name, exactly as its serverIdentity shows it: what it signs as.' })
  @Length(1, 128)
  name!: string;

  @Field(() => String, { description: 'Where the peer’s GraphQL API is reached, e.g. https://steward-b.example.com/graphql.' })
  @Length(1, 2048)
  graphqlUrl!: string;

  @Field(() => String, { description: 'The peer’s Ed25519 public key as its serverIdentity shows it (32 bytes, base64url). Compare its fingerprint out of band.' })
  @MaxLength(64)
  publicKey!: string;

  @Field(() => Boolean, { defaultValue: true, description: 'Whether the peer is trusted from now on: its bundles accepted and its signatures verified.' })
  enabled!: boolean;
}

@InputType({ description: 'Changes a registered peer server; fields left out keep their values.' })
export class UpdateRegisteredServerInput {
  @Field(() => ID, { description: 'The registered server to change.' })
  @IsUUID()
  id!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'The new name; unchanged when omitted.' })
  @IsOptional()
  @Length(1, 128)
  name?: string;

  @Field(() => String, { nullable: true, description: 'The peer’s new GraphQL endpoint URL (https://…/graphql); unchanged when omitted.' })
  @IsOptional()
  @Length(1, 2048)
  graphqlUrl?: string;

  @Field(() => String, { nullable: true, description: 'Give the peer’s new key after it rotated; until then it signs with both.' })
  @IsOptional()
  @MaxLength(64)
  publicKey?: string;

  @Field(() => Boolean, { nullable: true, description: 'A disabled peer is neither sent shares nor accepted from.' })
  @IsOptional()
  enabled?: boolean;
}

@InputType({ description: 'Removes a registered peer server.' })
export class RemoveRegisteredServerInput {
  @Field(() => ID, { description: 'The registered server to remove.' })
  @IsUUID()
  id!: string;

  @Field(() => Int, { description: 'Its version as you last read it; a stale version fails with CONFLICT.' })
  version!: number;
}

@InputType({ description: 'A signed bundle of shared client tasks sent by a registered peer server.' })
export class ReceiveShareBundleInput {
  @Field(() => String, { description: 'A JWS in General JSON serialization, signed by the sending server (see docs/sharing.md, "The wire").' })
  bundle!: string;
}

@InputType({ description: 'Shares a client task with the registered peer servers, or stops sharing it.' })
export class SetClientTaskSharedInput {
  @Field(() => ID, { description: 'The client task to share or stop sharing.' })
  @IsUUID()
  clientTaskId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => Boolean, { description: 'True to share it with peers from the next Share Client Tasks run; false to withdraw it.' })
  shared!: boolean;
}

@InputType({ description: 'Gives a client task to another owner.' })
export class TransferClientTaskOwnershipInput {
  @Field(() => ID, { description: 'The client task to transfer.' })
  @IsUUID()
  clientTaskId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => ID, { description: 'The user who becomes the owner.' })
  @IsUUID()
  ownerId!: string;
}

@InputType({ description: 'Sets whether importClientTasks accepts documents whose signature cannot be verified.' })
export class SetUnverifiedClientTaskDocumentsAcceptedInput {
  @Field(() => Boolean, { description: 'False: imports take only documents signed by a registered server.' })
  accepted!: boolean;
}
