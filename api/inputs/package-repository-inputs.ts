import { Length } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { IdempotentInput } from './idempotent-input';

@InputType({ description: 'Stores a product package (a version’s tarball and install script) for deployment to endpoints.' })
export class CheckInPackageInput extends IdempotentInput {
  @Field(() => String, { description: 'The product name: letters, digits, spaces and ". _ + -"; deployment and update settings use it.' })
  @Length(1, 128)
  product!: string;

  @Field(() => String, { description: 'Dotted numbers such as 1.2.0; a product version is checked in once.' })
  @Length(1, 32)
  version!: string;

  @Field(() => String, { description: 'The package: a gzip-compressed tar archive (.tar.gz), base64-encoded, at most 64 MiB decoded.' })
  tarballBase64!: string;

  @Field(() => String, {
    description:
      'POSIX shell script run on the endpoint in the unpacked version directory, with STEWARD_INSTALL_DIR and STEWARD_PREVIOUS_VERSION set. ' +
      'A non-zero exit leaves the previous version active. At most 64 KiB.',
  })
  installScript!: string;
}
