import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A host’s SSH key as it presented it: confirm the fingerprint out of band before pinning it.' })
export class ScanHostKeyPayload {
  @Field(() => String, { description: 'The host that was scanned.' })
  host!: string;

  @Field(() => Int, { description: 'The SSH port that was scanned.' })
  port!: number;

  @Field(() => String, { description: 'SHA256:..., as ssh-keygen -lf prints it; what a record or system pins.' })
  fingerprint!: string;

  @Field(() => String, { description: 'The key’s algorithm, e.g. ssh-ed25519.' })
  keyType!: string;
}

@ObjectType({ description: 'A host presented another key than the one pinned: Steward refused to connect. Shown until an administrator pins a key again.' })
export class HostKeyMismatch {
  @Field(() => String, { description: 'The fingerprint pinned when the other key was seen.' })
  pinned!: string;

  @Field(() => String, { description: 'The fingerprint the host presented instead.' })
  seen!: string;

  @Field(() => Date, { description: 'When the other key was seen (ISO 8601, UTC).' })
  seenAt!: Date;
}
