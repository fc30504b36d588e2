import { RecordPermission } from '../../lib/enums';
import { effectivePermissions, permissionsGiving } from '../../lib/record-permissions';

const { VIEW, UNLOCK, EDIT, EXECUTE, TASK_CONTROL_MANAGE } = RecordPermission;

describe('record permissions and what they imply', () => {
  it('every permission implies View; Edit implies Unlock; nothing implies Edit, Execute or Task Control: Manage', () => {
    expect([...effectivePermissions([EXECUTE])].sort()).toEqual([EXECUTE, VIEW].sort());
    expect([...effectivePermissions([TASK_CONTROL_MANAGE])].sort()).toEqual([TASK_CONTROL_MANAGE, VIEW].sort());
    expect([...effectivePermissions([EDIT])].sort()).toEqual([EDIT, UNLOCK, VIEW].sort());
    expect([...effectivePermissions([])]).toEqual([]);
  });

  it('names, for each permission, the granted ones that give it', () => {
    expect(permissionsGiving(VIEW).sort()).toEqual(Object.values(RecordPermission).sort());
    expect(permissionsGiving(UNLOCK).sort()).toEqual([EDIT, UNLOCK].sort());
    expect(permissionsGiving(EDIT)).toEqual([EDIT]);
    expect(permissionsGiving(EXECUTE)).toEqual([EXECUTE]);
    expect(permissionsGiving(TASK_CONTROL_MANAGE)).toEqual([TASK_CONTROL_MANAGE]);
  });

  it('agrees with itself: a grant gives a permission exactly when its effective set holds it', () => {
    for (const granted of Object.values(RecordPermission)) {
      for (const wanted of Object.values(RecordPermission)) {
        expect([granted, wanted, effectivePermissions([granted]).has(wanted)]).toEqual([granted, wanted, permissionsGiving(wanted).includes(granted)]);
      }
    }
  });
});
