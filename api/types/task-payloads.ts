import { Field, ID, ObjectType } from 'type-graphql';
import { Task } from '../../db/entities';

@ObjectType({ description: 'What a task mutation returns.' })
export class TaskPayload {
  @Field(() => Task, { description: 'The task after the change.' })
  task!: Task;
}

@ObjectType({ description: 'What removeTask returns.' })
export class TaskRemovedPayload {
  @Field(() => ID, { description: 'The ID the removed task had.' })
  taskId!: string;
}
