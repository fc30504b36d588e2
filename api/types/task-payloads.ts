import { Field, ID, ObjectType } from 'type-graphql';
import { Task } from '../../db/entities';

@ObjectType()
export class TaskPayload {
  @Field(() => Task)
  task!: Task;
}

@ObjectType()
export class TaskRemovedPayload {
  @Field(() => ID)
  taskId!: string;
}
