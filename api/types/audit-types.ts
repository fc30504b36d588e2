import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Where the audit chain first breaks.' })
export class AuditChainBreak {
  @Field(() => ID, { nullable: true, description: 'The entry; null when entries after the last one were deleted.' })
  id!: string | null;

  @Field(() => String, { nullable: true, description: 'Its place in the chain (a 64-bit integer as text).' })
  sequence!: string | null;
}

@ObjectType({ description: 'The audit hash chain, recomputed entry by entry.' })
export class AuditChainVerification {
  @Field(() => Boolean, { description: 'True when every entry’s hash matches its content and the previous entry’s hash: nothing was changed or removed.' })
  ok!: boolean;

  @Field(() => AuditChainBreak, { nullable: true, description: 'The first entry where the chain does not hold; null when ok.' })
  brokenAt!: AuditChainBreak | null;

  @Field(() => Int, { description: 'How many entries were checked.' })
  checked!: number;
}
