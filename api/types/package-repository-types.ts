import { Field, ObjectType } from 'type-graphql';
import { ProductPackage } from '../../db/entities';
import { Connection } from './connection';

export const ProductPackageConnection = Connection(ProductPackage, 'ProductPackage');

@ObjectType()
export class CheckInPackagePayload {
  @Field(() => ProductPackage)
  package!: ProductPackage;
}
