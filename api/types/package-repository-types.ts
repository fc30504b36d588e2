import { Field, ObjectType } from 'type-graphql';
import { ProductPackage } from '../../db/entities';
import { Connection } from './connection';

export const ProductPackageConnection = Connection(ProductPackage, 'ProductPackage');

@ObjectType({ description: 'What checkInPackage returns.' })
export class CheckInPackagePayload {
  @Field(() => ProductPackage, { description: 'The package as stored.' })
  package!: ProductPackage;
}
