import { IsOptional, IsUUID, Length, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';

const COMMAND_DESCRIPTION = 'The shell command that sets the password on the dependency’s host. The password arrives on its stdin (one line), the record’s account name as STEWARD_ACCOUNT; it must exit 0.';

@InputType({ description: 'A place that holds the record’s password and changes with it: its host, pinned key, the account that logs in there, and the command that sets the password.' })
export class AddRecordDependencyInput {
  @Field(() => ID, { description: 'The record whose password the dependency holds.' })
  @IsUUID()
  recordId!: string;

  @Field(() => String, { description: 'A name for the dependency, such as "nightly backup job"; shown in the record’s dependencies.' })
  @Length(1, 128)
  name!: string;

  @Field(() => String, { description: 'Host name or IP address of the host that holds the password, reached over SSH.' })
  @Length(1, 253)
  host!: string;

  @Field(() => Int, { nullable: true, description: 'SSH port; 22 when omitted.' })
  @IsOptional()
  @Min(1)
  @Max(65535)
  port?: number;

  @Field(() => String, { description: 'The host key to trust there, as `ssh-keygen -lf` prints it: SHA256:… (scanHostKey reads it).' })
  hostKeyFingerprint!: string;

  @Field(() => ID, { description: 'The record whose credentials log in to the dependency’s host; it must be meant for that host (its own, or one of its shadow hosts).' })
  @IsUUID()
  accountRecordId!: string;

  @Field(() => String, { description: COMMAND_DESCRIPTION })
  @Length(1, 4000)
  command!: string;
}

@InputType({ description: 'Changes a dependency; fields left out stay as they are.' })
export class UpdateRecordDependencyInput {
  @Field(() => ID, { description: 'The record dependency to change.' })
  @IsUUID()
  dependencyId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'The new name; unchanged when omitted.' })
  @IsOptional()
  @Length(1, 128)
  name?: string;

  @Field(() => String, { nullable: true, description: 'The new host name or IP address; unchanged when omitted.' })
  @IsOptional()
  @Length(1, 253)
  host?: string;

  @Field(() => Int, { nullable: true, description: 'The new SSH port; unchanged when omitted.' })
  @IsOptional()
  @Min(1)
  @Max(65535)
  port?: number;

  @Field(() => String, { nullable: true, description: 'The new pinned host key, as `ssh-keygen -lf` prints it (SHA256:…); unchanged when omitted.' })
  @IsOptional()
  hostKeyFingerprint?: string;

  @Field(() => ID, { nullable: true, description: 'The record whose credentials log in to the dependency’s host; unchanged when omitted.' })
  @IsOptional()
  @IsUUID()
  accountRecordId?: string;

  @Field(() => String, { nullable: true, description: COMMAND_DESCRIPTION })
  @IsOptional()
  @Length(1, 4000)
  command?: string;
}

@InputType({ description: 'Names a record dependency to act on.' })
export class RecordDependencyRefInput {
  @Field(() => ID, { description: 'The record dependency’s ID.' })
  @IsUUID()
  dependencyId!: string;
}
