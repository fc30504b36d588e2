import { Field, Int, ObjectType } from 'type-graphql';
import { ClientTask, RegisteredServer } from '../../db/entities';
import { Connection } from './connection';

export const RegisteredServerConnection = Connection(RegisteredServer, 'RegisteredServer');

@ObjectType({ description: 'This server as its peers know it.' })
export class ServerIdentity {
  @Field(() => String, { description: 'What this server signs as (STEWARD_SERVER_NAME); peers register it under this name.' })
  name!: string;

  @Field(() => String, { description: 'The current Ed25519 public key: 32 raw bytes, base64url without padding.' })
  publicKey!: string;

  @Field(() => String, { description: 'SHA256:<base64url> of the public key, to compare out of band when registering.' })
  fingerprint!: string;

  @Field(() => String, { description: 'Where peers reach this server’s GraphQL API (STEWARD_PUBLIC_URL + /graphql).' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'The key the last rotation replaced; it still signs next to the current one until retired.' })
  previousPublicKey!: string | null;
}

@ObjectType({ description: 'What rotateServerKey and retirePreviousServerKey return.' })
export class ServerIdentityPayload {
  @Field(() => ServerIdentity, { description: 'This server’s identity after the change.' })
  serverIdentity!: ServerIdentity;
}

@ObjectType({ description: 'What registerServer and updateRegisteredServer return.' })
export class RegisteredServerPayload {
  @Field(() => RegisteredServer, { description: 'The registered server after the change.' })
  registeredServer!: RegisteredServer;
}

@ObjectType({ description: 'An object of a share bundle the target did not take, and why.' })
export class RefusedShareObject {
  @Field(() => String, { description: 'The client task’s ID on the sending server.' })
  originTaskId!: string;

  @Field(() => String, { description: 'Why it was refused, in a sentence.' })
  reason!: string;
}

@ObjectType({ description: 'What the target did with a share bundle’s objects.' })
export class ReceiveShareBundlePayload {
  @Field(() => Int, { description: 'How many shared client tasks were new here and were created.' })
  created!: number;

  @Field(() => Int, { description: 'How many shared client tasks existing here were updated.' })
  updated!: number;

  @Field(() => Int, { description: 'How many client tasks the sender stopped sharing were withdrawn here.' })
  withdrawn!: number;

  @Field(() => [RefusedShareObject], { description: 'The objects of the bundle this server refused, and why.' })
  refused!: RefusedShareObject[];
}

@ObjectType({ description: 'What setClientTaskShared and transferClientTaskOwnership return.' })
export class ClientTaskSharingPayload {
  @Field(() => ClientTask, { description: 'The client task after the change.' })
  clientTask!: ClientTask;
}

@ObjectType({ description: 'What setUnverifiedClientTaskDocumentsAccepted returns.' })
export class UnverifiedDocumentsPolicyPayload {
  @Field(() => Boolean, { description: 'Whether importClientTasks now accepts unsigned documents and those of unknown signers.' })
  unverifiedClientTaskDocumentsAccepted!: boolean;
}
