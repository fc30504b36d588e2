import { IsInt, IsOptional, Length, Max, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';

@InputType({ description: 'A host and port whose SSH host key to read.' })
export class ScanHostKeyInput {
  @Field(() => String, { description: 'Host name or IP address.' })
  @Length(1, 253)
  host!: string;

  @Field(() => Int, { nullable: true, description: 'SSH port; 22 unless given.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number | null;
}
