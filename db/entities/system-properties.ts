import { Field, Float, ObjectType } from 'type-graphql';

/**
 * The shapes a managed system's endpoint reports about itself, kept on the system as JSON.
 * They are GraphQL object types too, so clients get typed fields rather than raw JSON.
 */
@ObjectType({ description: 'A product installed on a system, at a version.' })
export class InstalledProduct {
  @Field(() => String)
  product!: string;

  @Field(() => String)
  version!: string;
}

@ObjectType({ description: 'What the endpoint last reported about itself; each field is null until a task reported it.' })
export class SystemProperties {
  @Field(() => String, { nullable: true })
  hostname?: string | null;

  @Field(() => String, { nullable: true, description: 'The OS release, e.g. "Debian GNU/Linux 12 (bookworm)".' })
  osRelease?: string | null;

  @Field(() => String, { nullable: true, description: 'The OS family in lowercase, e.g. "linux"; task types list the families they support.' })
  osFamily?: string | null;

  @Field(() => String, { nullable: true, description: 'The kernel release.' })
  kernel?: string | null;

  @Field(() => [String], { nullable: true, description: 'The IP addresses of the endpoint, loopback excluded.' })
  addresses?: string[] | null;

  @Field(() => [InstalledProduct], { nullable: true, description: 'Products installed by Steward, with their active versions.' })
  installedProducts?: InstalledProduct[] | null;
}

@ObjectType({ description: 'Load averages: runnable processes over the last 1, 5 and 15 minutes.' })
export class LoadAverage {
  @Field(() => Float)
  one!: number;

  @Field(() => Float)
  five!: number;

  @Field(() => Float)
  fifteen!: number;
}

@ObjectType({ description: 'Disk use of the file system holding one configured path.' })
export class DiskUsage {
  @Field(() => String, { description: 'The configured path.' })
  path!: string;

  @Field(() => String, { nullable: true, description: 'Where the file system holding the path is mounted; null when the path could not be read.' })
  mountPoint?: string | null;

  @Field(() => Float, { nullable: true, description: 'Bytes.' })
  totalBytes?: number | null;

  @Field(() => Float, { nullable: true, description: 'Bytes.' })
  usedBytes?: number | null;

  @Field(() => Float, { nullable: true, description: 'Bytes available to unprivileged users.' })
  availableBytes?: number | null;

  @Field(() => String, { nullable: true, description: 'Why there are no figures for this path, e.g. it does not exist.' })
  error?: string | null;
}

@ObjectType({ description: 'What the last Agent Statistics task collected on the system.' })
export class SystemStatistics {
  /** ISO 8601, as stored in the JSON column. */
  @Field(() => Date)
  collectedAt!: string;

  @Field(() => Float)
  uptimeSeconds!: number;

  @Field(() => LoadAverage)
  load!: LoadAverage;

  @Field(() => [DiskUsage])
  disks!: DiskUsage[];
}
