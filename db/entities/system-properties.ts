import { Field, Float, ObjectType } from 'type-graphql';

/**
 * The shapes a managed system's endpoint reports about itself, kept on the system as JSON.
 * They are GraphQL object types too, so clients get typed fields rather than raw JSON.
 */
@ObjectType({ description: 'A product installed on a system, at a version.' })
export class InstalledProduct {
  @Field(() => String, { description: 'The product’s name.' })
  product!: string;

  @Field(() => String, { description: 'The product’s active version on the system, such as 1.2.0.' })
  version!: string;
}

@ObjectType({ description: 'What the endpoint last reported about itself; each field is null until a task reported it.' })
export class SystemProperties {
  @Field(() => String, { nullable: true, description: 'The endpoint’s host name as it reports it; null when not reported.' })
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
  @Field(() => Float, { description: 'The load average over the last minute.' })
  one!: number;

  @Field(() => Float, { description: 'The load average over the last 5 minutes.' })
  five!: number;

  @Field(() => Float, { description: 'The load average over the last 15 minutes.' })
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
  @Field(() => Date, { description: 'When the statistics were collected (ISO 8601, UTC).' })
  collectedAt!: string;

  @Field(() => Float, { description: 'Seconds since the system booted.' })
  uptimeSeconds!: number;

  @Field(() => LoadAverage, { description: 'The system’s load averages.' })
  load!: LoadAverage;

  @Field(() => [DiskUsage], { description: 'Usage of each configured path’s file system.' })
  disks!: DiskUsage[];
}
