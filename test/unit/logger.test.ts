import { Writable } from 'node:stream';
import { createLogger, withLogContext } from '../../infra/logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ destination }) };
}

describe('the structured logger', () => {
  it('writes one JSON object a line, with level, time and msg', () => {
    const { lines, logger } = capture();
    logger.info({ jobs: 3 }, 'hello');
    expect(lines).toEqual([expect.objectContaining({ level: 'info', msg: 'hello', jobs: 3 })]);
    expect(Number.isNaN(Date.parse(lines[0]!.time as string))).toBe(false);
  });

  it('puts the IDs of the enclosing request or activity on every line, nested contexts adding to outer ones', async () => {
    const { lines, logger } = capture();
    await withLogContext({ requestId: 'r-1' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      withLogContext({ jobId: 'j-1', workflowId: 'job-j-1' }, () => logger.info('inner'));
      logger.info('outer');
    });
    logger.info('outside');
    expect(lines.map(({ msg, requestId, jobId, workflowId }) => ({ msg, requestId, jobId, workflowId }))).toEqual([
      { msg: 'inner', requestId: 'r-1', jobId: 'j-1', workflowId: 'job-j-1' },
      { msg: 'outer', requestId: 'r-1', jobId: undefined, workflowId: undefined },
      { msg: 'outside', requestId: undefined, jobId: undefined, workflowId: undefined },
    ]);
  });

  it('redacts fields that hold secrets, at the top and one level down', () => {
    const { lines, logger } = capture();
    logger.info({ password: 'hunter2', input: { newPassword: 'hunter3', name: 'web-1' }, headers: { authorization: 'Bearer abc' }, token: 'tok' }, 'login');
    const text = JSON.stringify(lines);
    for (const secret of ['hunter2', 'hunter3', 'Bearer abc', 'tok"']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ password: '[redacted]', input: { newPassword: '[redacted]', name: 'web-1' }, headers: { authorization: '[redacted]' } });
  });
});
