import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFileSystem, utf8 } from '@shoal/kit';
import { FileStableStore, KEY_CURRENT_TERM, KEY_LAST_VOTE_CAND, KEY_LAST_VOTE_TERM, LogType, makeLog, WalLogStore } from '@shoal/raft';
import { main } from '../main.js';
import { RAFT_LOG_EXIT } from './raft-log.js';
import { captureIo } from '../testing/capture-io.js';

/** A data directory with `count` entries in small segments, term 7 and a vote for n2. */
async function dataDir(count: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-raft-log-'));
  const fs = new NodeFileSystem(dir);
  const log = await WalLogStore.open(fs, 'wal', { segmentBytes: 4096 });
  for (let i = 1; i <= count; i += 5) {
    await log.storeLogs([0, 1, 2, 3, 4].map((k) => makeLog({ index: i + k, term: 2, type: (i + k) % 10 === 0 ? LogType.Noop : LogType.Command, data: utf8(`cmd ${i + k}`), appendedAt: 1000 + i + k })));
  }
  await log.close();
  const stable = await FileStableStore.open(fs, 'stable');
  await stable.setUint64(KEY_CURRENT_TERM, 7);
  await stable.setUint64(KEY_LAST_VOTE_TERM, 6);
  await stable.set(KEY_LAST_VOTE_CAND, utf8('n2'));
  return dir;
}

function segments(dir: string): string[] {
  return readdirSync(join(dir, 'wal')).filter((n) => n.endsWith('.wal')).map((n) => join(dir, 'wal', n));
}

test('shoal raft log dumps entries then the stable state as JSON lines', async () => {
  const dir = await dataDir(100);
  const c = captureIo();
  assert.equal(await main(['raft', 'log', '--dir', dir], c.io), RAFT_LOG_EXIT.ok, c.err);
  const lines = c.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 101);
  assert.deepEqual(lines[0], { index: 1, term: 2, type: 'LogCommand', data: Buffer.from('cmd 1').toString('base64'), extensions: '', appendedAt: 1001 });
  assert.equal(lines[9]!['type'], 'LogNoop');
  assert.deepEqual(lines.slice(0, 100).map((l) => l['index']), Array.from({ length: 100 }, (_, i) => i + 1));
  assert.deepEqual(lines[100], { stable: { CurrentTerm: 7, LastVoteTerm: 6, LastVoteCand: 'n2' } });
  const ranged = captureIo();
  assert.equal(await main(['raft', 'log', '--dir', dir, '--from', '40', '--to', '42'], ranged.io), 0);
  assert.deepEqual(ranged.out.trimEnd().split('\n').slice(0, 3).map((l) => (JSON.parse(l) as { index: number }).index), [40, 41, 42]);
});

test('shoal raft log is read-only: a torn tail is reported, not cut', async () => {
  const dir = await dataDir(20);
  const last = segments(dir).sort().at(-1)!;
  appendFileSync(last, Buffer.from([1, 0, 0, 0, 0, 0, 0, 90, 1, 2]));
  const before = statSync(last).size;
  const c = captureIo();
  assert.equal(await main(['raft', 'log', '--dir', dir], c.io), 0);
  assert.equal(c.out.trimEnd().split('\n').length, 21);
  assert.match(c.err, /torn tail/);
  assert.equal(statSync(last).size, before, 'the file is unchanged');
});

test('shoal raft log: a corrupt or garbage directory exits 1 naming the file', async () => {
  const dir = await dataDir(60);
  const first = segments(dir).sort()[0]!;
  const bytes = readFileSync(first);
  bytes[200] = bytes[200]! ^ 0x10;
  writeFileSync(first, bytes);
  const c = captureIo();
  assert.equal(await main(['raft', 'log', '--dir', dir], c.io), RAFT_LOG_EXIT.damaged);
  assert.match(c.err, /^shoal raft log: log store corrupt: .*wal\/00000000000000000001-0000000000000001\.wal at offset \d+/);
  assert.equal(c.out, '');

  const garbage = mkdtempSync(join(tmpdir(), 'shoal-raft-log-'));
  await new NodeFileSystem(garbage).mkdir('stable');
  writeFileSync(join(garbage, 'stable', 'stable'), Buffer.from('not a stable file at all'));
  const g = captureIo();
  assert.equal(await main(['raft', 'log', '--dir', garbage], g.io), RAFT_LOG_EXIT.damaged);
  assert.match(g.err, /stable\/stable at offset 0: not a shoal stable store file/);

  const empty = captureIo();
  assert.equal(await main(['raft', 'log', '--dir', mkdtempSync(join(tmpdir(), 'shoal-raft-log-'))], empty.io), RAFT_LOG_EXIT.damaged);
  assert.match(empty.err, /holds neither wal\/ nor stable\//);
});

test('shoal raft log: usage errors exit 2; --help describes the output', async () => {
  const c = captureIo();
  assert.equal(await main(['raft', 'log'], c.io), RAFT_LOG_EXIT.usage);
  assert.match(c.err, /missing --dir/);
  const missing = captureIo();
  assert.equal(await main(['raft', 'log', '--dir', '/nonexistent/shoal'], missing.io), RAFT_LOG_EXIT.usage);
  const help = captureIo();
  assert.equal(await main(['raft', 'log', '--help'], help.io), 0);
  assert.match(help.out, /JSON lines/);
});

test('shoal raft log dumps a log written into reused segment files, and nothing of their old records', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-raft-log-'));
  const log = await WalLogStore.open(new NodeFileSystem(dir), 'wal', { segmentBytes: 4096 });
  const entry = (i: number, tag: string) => makeLog({ index: i, term: 2, type: LogType.Command, data: utf8(`${tag} ${i}`.padEnd(100, '.')), appendedAt: i });
  for (let i = 1; i <= 200; i += 5) await log.storeLogs([0, 1, 2, 3, 4].map((k) => entry(i + k, 'old')));
  await log.deleteRange(1, 180);
  for (let i = 201; i <= 260; i += 5) await log.storeLogs([0, 1, 2, 3, 4].map((k) => entry(i + k, 'new')));
  assert.ok(log.stats().reusedSegments > 0, 'the later segments reused freed files');
  await log.close();
  const c = captureIo();
  assert.equal(await main(['raft', 'log', '--dir', dir], c.io), RAFT_LOG_EXIT.ok, c.err);
  assert.equal(c.err, '', 'a reused file is not a torn tail');
  const lines = c.out.trimEnd().split('\n').map((l) => JSON.parse(l) as { index: number; data: string });
  assert.deepEqual(lines.map((l) => l.index), Array.from({ length: 80 }, (_, i) => i + 181));
  assert.ok(lines.every((l) => Buffer.from(l.data, 'base64').toString().startsWith(l.index > 200 ? 'new ' : 'old ')));
});
