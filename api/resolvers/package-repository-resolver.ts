import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { ProductPackage } from '../../db/entities';
import { Role } from '../../lib/enums';
import { type StewardContext, currentActor, currentUser } from '../context';
import { PageArgs, connectionComplexity } from '../inputs/page-args';
import { CheckInPackageInput } from '../inputs/package-repository-inputs';
import { type ConnectionShape, toConnection } from '../types/connection';
import { CheckInPackagePayload, ProductPackageConnection } from '../types/package-repository-types';
import { byId } from '../../services/shared/idempotency';

@Authorized()
@Resolver(() => ProductPackage)
export class PackageRepositoryResolver {
  @Query(() => ProductPackageConnection, { description: 'Packages in the repository (metadata only), newest check-in first; all products when product is omitted.', complexity: connectionComplexity })
  async packages(
    @Arg('product', () => String, { nullable: true, description: 'Only the packages of this product (by name); all packages when omitted.' }) product: string | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() context: StewardContext,
  ): Promise<ConnectionShape<ProductPackage>> {
    return toConnection(await context.services.packageRepository.list(product ?? null, page));
  }

  @Authorized(Role.SYSTEM_ADMINISTRATOR)
  @Mutation(() => CheckInPackagePayload, {
    description: 'Checks a package into the repository: one version of a product as a .tar.gz with its install script. Its SHA-256 is computed here; a version already checked in is refused with CONFLICT.',
  })
  async checkInPackage(@Arg('input', () => CheckInPackageInput, { description: 'The product, version, tarball and install script.' }) input: CheckInPackageInput, @Ctx() context: StewardContext): Promise<CheckInPackagePayload> {
    const { packageRepository, idempotency } = context.services;
    const checkIn = () => packageRepository.checkIn(currentActor(context), input);
    return { package: await idempotency.once(currentUser(context), 'checkInPackage', input, checkIn, byId((id) => packageRepository.get(id))) };
  }
}
