import { ArrayMinSize, ArrayUnique, IsOptional, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { PolicyEvent, ScriptKey } from '../../lib/enums';

@InputType({ description: 'A task of a record type.' })
export class TaskInput {
  @Field(() => String)
  @Length(1, 128)
  name!: string;

  @Field(() => ScriptKey)
  script!: ScriptKey;

  @Field(() => [PolicyEvent])
  @ArrayMinSize(1)
  @ArrayUnique()
  policyEvents!: PolicyEvent[];

  @Field(() => String, { nullable: true, description: 'The worker node that runs its jobs; "local" when omitted.' })
  @IsOptional()
  @Length(1, 63)
  executionNode?: string;
}

@InputType()
export class CreateRecordTypeInput {
  @Field(() => String)
  @Length(1, 128)
  name!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(0, 2000)
  description?: string;

  @Field(() => [TaskInput], { defaultValue: [] })
  @ValidateNested({ each: true })
  tasks!: TaskInput[];
}

@InputType()
export class CreateRecordInput {
  @Field(() => ID)
  @IsUUID()
  recordTypeId!: string;

  @Field(() => String)
  @Length(1, 128)
  name!: string;

  @Field(() => String, { description: 'Host name or IP address of the managed host.' })
  @Length(1, 253)
  host!: string;

  @Field(() => Int, { nullable: true, description: 'SSH port; 22 when omitted.' })
  @IsOptional()
  @Min(1)
  @Max(65535)
  port?: number;

  @Field(() => String)
  @Length(1, 32)
  username!: string;

  @Field(() => String, { description: 'The secured field. Encrypted at rest; revealed only by unlockRecord.' })
  @Length(1, 1024)
  password!: string;

  @Field(() => String, { description: 'The host key this record trusts, as `ssh-keygen -lf` prints it: SHA256:…' })
  hostKeyFingerprint!: string;

  @Field(() => String, { nullable: true, description: 'IANA time zone of the record; UTC when omitted.' })
  @IsOptional()
  timeZone?: string;
}

@InputType()
export class UnlockRecordInput {
  @Field(() => ID)
  @IsUUID()
  recordId!: string;

  @Field(() => String, { nullable: true, description: 'Why the password is needed; kept in the audit log.' })
  @IsOptional()
  @Length(0, 500)
  reason?: string;
}
