import { Field, ObjectType } from 'type-graphql';
import { ScriptKey } from '../../lib/enums';

@ObjectType({ description: 'A script of the built-in library.' })
export class Script {
  @Field(() => ScriptKey)
  key!: ScriptKey;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Boolean)
  rotatesPassword!: boolean;
}
