import { productPermission, row, type Row } from './expectations';

export const ASSIGNMENT_VIEW_QUERY_ROWS: Record<string, Row> = {
  // Assignments follow their task's product, like the task itself.
  assignments: row(productPermission, (fx) => ({ filter: { clientTaskId: fx.clientTaskId } })),
};
