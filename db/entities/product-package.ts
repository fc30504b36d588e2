import { Check, Entity, Property, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from './base';

/** A package of the repository: one version of a product as a gzip'd tarball, with its install script. */
@Entity({ tableName: 'product_packages' })
@Unique({ properties: ['product', 'version'] })
@Check({ name: 'product_packages_sha256_hex', expression: `"sha256" ~ '^[0-9a-f]{64}$'` })
@Check({ name: 'product_packages_size_matches', expression: '"size" = octet_length("content")' })
@ObjectType('ProductPackage', { description: 'A package of the repository: one version of a product as a tarball, with its checksum and install script.' })
export class ProductPackage extends BaseEntity {
  @Field(() => String, { description: 'The product name, as deployment and update settings name it.' })
  @Property({ type: 'string', length: 128 })
  product!: string;

  @Field(() => String, { description: 'Dotted numbers such as 1.2.0; the highest is the newest.' })
  @Property({ type: 'string', length: 32 })
  version!: string;

  @Field(() => String, { description: 'SHA-256 of the tarball, lowercase hex; endpoints verify it before unpacking.' })
  @Property({ type: 'string', length: 64 })
  sha256!: string;

  @Field(() => Int, { description: 'Size of the tarball in bytes.' })
  @Property({ type: 'integer' })
  size!: number;

  @Field(() => String, { description: 'The POSIX shell script run in the unpacked version directory to install it.' })
  @Property({ type: 'text' })
  installScript!: string;

  /** The tarball. Lazy: listings never load it. */
  @Property({ type: 'blob', lazy: true })
  content!: Buffer;
}
