import { gzipSync } from 'node:zlib';
import { Pax } from 'tar';
import { escapingEntry, listGzipTar, packageArchiveProblem } from '../../lib/tarball';
import { type CraftedMember, craftedTarball, tarballBase64 } from '../harness/endpoint-fixtures';

const file = (path: string, body = 'content'): CraftedMember => ({ path, type: 'File', body });
const directory = (path: string): CraftedMember => ({ path, type: 'Directory', mode: 0o755 });
const symlink = (path: string, linkpath: string): CraftedMember => ({ path, type: 'SymbolicLink', linkpath });

describe('package archives', () => {
  it('lists every entry of a .tar.gz made by GNU tar, and accepts it', () => {
    const bytes = Buffer.from(tarballBase64({ 'bin/sensor': '#!/bin/sh\n', README: 'hello' }), 'base64');
    expect(listGzipTar(bytes).entries?.map((entry) => [entry.type, entry.path]).sort()).toEqual(
      [
        ['Directory', './'],
        ['Directory', './bin/'],
        ['File', './README'],
        ['File', './bin/sensor'],
      ].sort(),
    );
    expect(packageArchiveProblem(bytes)).toBeNull();
  });

  it('accepts files, directories and symbolic links that stay inside the package', () => {
    const bytes = craftedTarball([
      directory('./'),
      directory('lib/'),
      file('lib/libtool.so.1'),
      symlink('lib/libtool.so', 'libtool.so.1'),
      directory('bin/'),
      symlink('bin/tool', '../lib/libtool.so'),
      symlink('here', '.'),
      { path: 'long-name', paxPath: `${'deep/'.repeat(30)}file`, type: 'File', body: 'x' },
    ]);
    expect(listGzipTar(bytes).entries).toContainEqual({ path: `${'deep/'.repeat(30)}file`, type: 'File' });
    expect(packageArchiveProblem(bytes)).toBeNull();
  });

  it.each<[string, CraftedMember, RegExp]>([
    ['a ".." component', file('../evil'), /".." component/],
    ['a ".." component inside the path', file('bin/../../evil'), /".." component/],
    ['an absolute path', file('/etc/x'), /absolute path/],
    ['an escaping path carried in a pax header', { path: 'innocent', paxPath: '../evil', type: 'File' }, /".." component/],
    ['a symbolic link to an absolute path', symlink('shadow', '/etc/shadow'), /leads outside/],
    ['a symbolic link climbing out', symlink('bin/up', '../../etc'), /leads outside/],
    ['a hard link', { path: 'copy', type: 'Link', linkpath: 'README' }, /hard link/],
    ['a character device', { path: 'null', type: 'CharacterDevice', devmaj: 1, devmin: 3 }, /CharacterDevice/],
    ['a block device', { path: 'disk', type: 'BlockDevice', devmaj: 8, devmin: 0 }, /BlockDevice/],
    ['a FIFO', { path: 'pipe', type: 'FIFO' }, /FIFO/],
    ['a type node-tar skips but GNU tar unpacks as a file', { path: 'sparse', type: 'SparseFile' }, /SparseFile/],
    ['a newline in a name', file('odd\nname'), /control character/],
  ])('refuses %s, naming the entry', (_what, bad, reason) => {
    const problem = packageArchiveProblem(craftedTarball([file('README'), bad]));
    expect(problem).toContain(`The package entry ${JSON.stringify(bad.paxPath ?? bad.path)} is refused`);
    expect(problem).toMatch(reason);
  });

  it('refuses links that leave the tree only through each other, entries beneath a link, and link loops', () => {
    expect(escapingEntry([{ path: 'a', type: 'SymbolicLink', linkpath: '.' }, { path: 'b', type: 'SymbolicLink', linkpath: 'a/../..' }])).toEqual({
      entry: 'b',
      reason: expect.stringMatching(/leads outside/),
    });
    expect(escapingEntry([{ path: 'out', type: 'SymbolicLink', linkpath: 'sub' }, { path: 'sub', type: 'Directory' }, { path: 'out/file', type: 'File' }])).toEqual({
      entry: 'out/file',
      reason: 'it lies beneath the symbolic link out',
    });
    expect(escapingEntry([{ path: 'loop', type: 'SymbolicLink', linkpath: 'loop/x' }])).toMatchObject({ entry: 'loop' });
  });

  it('stops reading an archive whose entries unpack to more than 1 GiB', () => {
    expect(packageArchiveProblem(craftedTarball([{ path: 'huge', type: 'File', size: 2 * 1024 ** 3 }]))).toBe('The package is not a usable .tar.gz: it unpacks to more than 1024 MiB');
  });

  it('refuses what is not a .tar.gz: plain bytes, gzip of something else, a truncated archive, an empty one, one of metadata only', () => {
    const truncated = craftedTarball([file('README', 'x'.repeat(4000))]);
    expect([
      packageArchiveProblem(Buffer.from('plain')),
      packageArchiveProblem(gzipSync(Buffer.alloc(4096, 'x'))),
      packageArchiveProblem(Buffer.from([0x1f, 0x8b, 0, 0])),
      packageArchiveProblem(truncated.subarray(0, truncated.length - 20)),
      packageArchiveProblem(gzipSync(Buffer.alloc(1024))),
      packageArchiveProblem(gzipSync(Buffer.concat([new Pax({ comment: 'metadata only' }, true).encode(), Buffer.alloc(1024)]))),
    ]).toEqual([
      'The package is not a usable .tar.gz: it is not gzip-compressed',
      expect.stringMatching(/not a readable tar archive/),
      expect.stringMatching(/not a readable tar archive/),
      expect.stringMatching(/not a readable tar archive/),
      expect.stringMatching(/not a readable tar archive/),
      'The package is not a usable .tar.gz: it holds no entries',
    ]);
  });
});
