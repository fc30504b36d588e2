import { StringDecoder } from 'node:string_decoder';

/**
 * Cuts a byte stream into lines as chunks arrive. A line is let out only once complete, so a
 * secret is never split across two lines (redaction works line by line) and a multi-byte
 * character split across chunks stays whole. `end()` lets out the last line if it had no break.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  push(chunk: Buffer): string[] {
    const text = this.pending + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.map(withoutCarriageReturn);
  }

  end(): string[] {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return rest ? [withoutCarriageReturn(rest)] : [];
  }
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
