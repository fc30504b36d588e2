import { ArrayMaxSize, IsOptional, IsUUID, Length, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { ClientTaskCapability, ClientTaskChangeState } from '../../db/entities';

@InputType({ description: 'What a permission set allows with one product’s client tasks.' })
export class ProductGrantInput {
  @Field(() => ID, { description: 'The product whose client tasks the grant covers.' })
  productId!: string;

  @Field(() => [ClientTaskCapability], { description: 'At least one; EDIT and APPROVE include VIEW.' })
  @ArrayMaxSize(3)
  capabilities!: ClientTaskCapability[];

  @Field(() => Boolean, { nullable: true, description: 'With EDIT: the user’s creations and changes wait for an approver. Default false.' })
  @IsOptional()
  editRequiresApproval?: boolean;
}

@InputType({ description: 'Creates a permission set.' })
export class CreatePermissionSetInput {
  @Field(() => String, { description: 'Unique.' })
  @Length(1, 128)
  name!: string;

  @Field(() => String, { nullable: true, description: 'What the permission set is for; null for none.' })
  @IsOptional()
  @Length(0, 1000)
  description?: string;

  @Field(() => [ProductGrantInput], { description: 'One grant per product; products without one are out of reach for the set’s users.' })
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  grants!: ProductGrantInput[];
}

@InputType({ description: 'Changes a permission set; fields left out keep their values.' })
export class UpdatePermissionSetInput {
  @Field(() => ID, { description: 'The permission set to change.' })
  @IsUUID()
  permissionSetId!: string;

  @Field(() => Int, { description: 'The version you read.' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'The new name, unique; unchanged when omitted.' })
  @IsOptional()
  @Length(1, 128)
  name?: string;

  @Field(() => String, { nullable: true, description: 'An empty string removes it.' })
  @IsOptional()
  @Length(0, 1000)
  description?: string;

  @Field(() => [ProductGrantInput], { nullable: true, description: 'Replaces every grant of the set.' })
  @IsOptional()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  grants?: ProductGrantInput[];
}

@InputType({ description: 'Deletes a permission set; its users lose what it allowed.' })
export class DeletePermissionSetInput {
  @Field(() => ID, { description: 'The permission set to delete.' })
  @IsUUID()
  permissionSetId!: string;
}

@InputType({ description: 'A permission set and a user to give it to, or take it from.' })
export class PermissionSetUserInput {
  @Field(() => ID, { description: 'The permission set.' })
  @IsUUID()
  permissionSetId!: string;

  @Field(() => ID, { description: 'The user to assign it to or take it from.' })
  @IsUUID()
  userId!: string;
}

@InputType({ description: 'Turns the approval of client task changes on or off for the whole server.' })
export class SetClientTaskApprovalRequiredInput {
  @Field(() => Boolean, { description: 'Whether every creation and change of a client task waits for an approver.' })
  required!: boolean;
}

@InputType({ description: 'A decision on a pending client task change.' })
export class DecideClientTaskChangeInput {
  @Field(() => ID, { description: 'The PENDING change to approve or reject.' })
  @IsUUID()
  changeId!: string;

  @Field(() => String, { nullable: true, description: 'Why; kept with the change and in the audit log.' })
  @IsOptional()
  @Length(0, 1000)
  comment?: string;
}

@InputType({ description: 'Which proposed client task changes to list.' })
export class ClientTaskChangeFilterInput {
  @Field(() => String, { nullable: true, description: 'Product name.' })
  @IsOptional()
  product?: string;

  @Field(() => ClientTaskChangeState, { nullable: true, description: 'PENDING unless given.' })
  @IsOptional()
  state?: ClientTaskChangeState;
}
