import { LineSplitter } from '../../lib/output-lines';
import { redact } from '../../services/shared/redaction';

describe('LineSplitter: a command’s output chunks as whole lines', () => {
  it('lets a line out only once it is complete, so a secret split across chunks is still redacted', () => {
    const lines = new LineSplitter();
    expect(lines.push(Buffer.from('password is hun'))).toEqual([]);
    const [line] = lines.push(Buffer.from('ter2\nnext'));
    expect(redact(line!, ['hunter2'])).toBe('password is [REDACTED]');
    expect(lines.end()).toEqual(['next']);
    expect(lines.end()).toEqual([]);
  });

  it('keeps a multi-byte character split across chunks whole, and drops the CR of CRLF', () => {
    const text = Buffer.from('grüße\r\nok\n');
    const lines = new LineSplitter();
    const cut = text.indexOf(0xc3) + 1;
    expect([...lines.push(text.subarray(0, cut)), ...lines.push(text.subarray(cut))]).toEqual(['grüße', 'ok']);
    expect(lines.end()).toEqual([]);
  });

  it('keeps empty lines', () => {
    expect(new LineSplitter().push(Buffer.from('a\n\nb\n'))).toEqual(['a', '', 'b']);
  });
});
