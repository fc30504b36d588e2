import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { decodeThroughCodecEndpoint } from './harness/codec-wire';
import { ADMIN_ROLES, type StewardStack, startStewardStack } from './harness/steward';
import { testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, type RotatableRecord, runOnDemand } from './harness/vault-fixtures';

type Failure = temporal.api.failure.v1.IFailure;

/** Every failure in a history, causes included. */
function failuresIn(history: temporal.api.history.v1.IHistory): Failure[] {
  const chain = (failure: Failure | null | undefined): Failure[] => (failure ? [failure, ...chain(failure.cause)] : []);
  return (history.events ?? []).flatMap((event) => [
    ...chain(event.activityTaskFailedEventAttributes?.failure),
    ...chain(event.workflowExecutionFailedEventAttributes?.failure),
  ]);
}

describe('failures in Temporal history', () => {
  let stack: StewardStack;
  let token: string;
  let record: RotatableRecord;
  // A well-formed fingerprint of some other key: the job fails before any credential is sent.
  const wrongFingerprint = `SHA256:${Buffer.alloc(32, 3).toString('base64').replace(/=+$/, '')}`;

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token, { hostKeyFingerprint: wrongFingerprint });
  });

  afterAll(async () => {
    await record?.removeUser();
    await stack?.stop();
  });

  it('keep their messages and stack traces encrypted, and decode through the codec endpoint', async () => {
    const job = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, record.taskId)).id);
    expect(job.state).toBe('ERROR');
    // Job History still reads the error: the workflow decodes its activities' failures.
    expect(job.result).toContain(wrongFingerprint);

    const { history } = await stack.client.workflowService.getWorkflowExecutionHistory({ namespace: testEnvironment().temporalNamespace, execution: { workflowId: job.workflowId } });
    const failures = failuresIn(history!);
    expect(failures.length).toBeGreaterThanOrEqual(2); // the host step's activity failure, and the workflow's

    // Nothing of the error is in the clear anywhere in the stored history.
    const stored = Buffer.from(temporal.api.history.v1.History.encode(history!).finish());
    const { sshdHost, sshdPort } = testEnvironment();
    for (const plaintext of [wrongFingerprint, record.username, `${sshdHost}:${sshdPort}`, 'host key']) {
      expect(stored.includes(Buffer.from(plaintext))).toBe(false);
    }
    for (const failure of failures) {
      expect(failure.message).toBe('Encoded failure');
      expect(failure.stackTrace).toBe('');
      expect(new TextDecoder().decode(failure.encodedAttributes!.metadata![METADATA_ENCODING_KEY]!)).toBe('binary/encrypted');
    }

    const decoded = await decodeThroughCodecEndpoint(stack, token, failures.map((failure) => failure.encodedAttributes as Payload));
    const attributes = decoded.map((payload) => defaultPayloadConverter.fromPayload<{ message: string; stack_trace: string }>(payload));
    expect(attributes.map((attribute) => attribute.message).join('\n')).toContain(wrongFingerprint);
    expect(attributes.some((attribute) => attribute.stack_trace.length > 0)).toBe(true);
  });
});
