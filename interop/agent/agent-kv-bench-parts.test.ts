// The pure pieces of bench/agent-kv.ts: its arguments, the requests and
// answer checks of both systems, a cell's rounds, the ratio line and its
// targets, and the /proc CPU reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentKvArgs } from '../../bench/agent-kv/args.js';
import { combineRounds, ratioLine, type CellRow, type RoundFigures } from '../../bench/agent-kv/cells.js';
import { answerProblem, etcdPutBody, etcdRangeBody, keyOf, kvRequest, valueOf } from '../../bench/agent-kv/kv-requests.js';
import { cpuMsOfStat } from '../../bench/agent-kv/proc-cpu.js';

test('arguments: defaults, every flag, and each refusal', () => {
  assert.deepEqual(parseAgentKvArgs([]), { clients: [1, 64], ops: 3000, warmup: 500, rounds: 3, impls: ['shoal', 'etcd'], size: 128, keys: 1000 });
  assert.deepEqual(parseAgentKvArgs(['--clients', '1,8,64', '--ops', '10', '--warmup', '0', '--rounds', '2', '--impl', 'etcd', '--size', '64', '--keys', '5', '--cpu-prof', '/tmp/p']), {
    clients: [1, 8, 64], ops: 10, warmup: 0, rounds: 2, impls: ['etcd'], size: 64, keys: 5, cpuProf: '/tmp/p',
  });
  const refusals: [string[], RegExp][] = [
    [['--clients', '0'], /--clients wants an integer ≥ 1/],
    [['--clients', '1,,4'], /--clients/],
    [['--ops', '1e3'], /--ops wants an integer/],
    [['--warmup=-1'], /--warmup wants an integer ≥ 0/],
    [['--rounds', '0'], /--rounds/],
    [['--size', 'x'], /--size/],
    [['--keys', '0'], /--keys/],
    [['--impl', 'consul'], /--impl wants shoal, etcd or both/],
    [['--frobnicate'], /Unknown option/],
  ];
  for (const [argv, reason] of refusals) {
    const parsed = parseAgentKvArgs(argv);
    assert.ok('error' in parsed && reason.test(parsed.error), `${argv.join(' ')}: ${JSON.stringify(parsed)}`);
  }
});

test('keys repeat over the key space; values have exactly the asked size and name their operation', () => {
  assert.equal(keyOf(3, 1000), 'agent-kv/00000003');
  assert.equal(keyOf(1003, 1000), keyOf(3, 1000));
  assert.equal(valueOf(42, 128).length, 128);
  assert.equal(valueOf(42, 8).toString(), '42......');
  assert.equal(valueOf(123456, 3).toString(), '123');
});

test('requests: Consul KV with the raw value, etcd JSON gateway with base64 keys and values', () => {
  const value = Buffer.from('v\u00e9');
  assert.deepEqual(kvRequest('shoal', 'put', 'a/b', value), { method: 'PUT', path: '/v1/kv/a/b', body: value });
  assert.deepEqual(kvRequest('shoal', 'get', 'a/b', value), { method: 'GET', path: '/v1/kv/a/b' });
  assert.equal(etcdPutBody('a/b', value), '{"key":"YS9i","value":"dsOp"}');
  assert.equal(etcdRangeBody('a/b'), '{"key":"YS9i"}');
  assert.deepEqual(kvRequest('etcd', 'put', 'a/b', value), { method: 'POST', path: '/v3/kv/put', body: Buffer.from(etcdPutBody('a/b', value)) });
  assert.deepEqual(kvRequest('etcd', 'get', 'a/b', value), { method: 'POST', path: '/v3/kv/range', body: Buffer.from(etcdRangeBody('a/b')) });
});

test('answers: only the right one to each op passes', () => {
  const etcdHeader = '"header":{"cluster_id":"1","member_id":"2","revision":"9","raft_term":"2"}';
  const cases: [Parameters<typeof answerProblem>, boolean][] = [
    [['shoal', 'put', 'k', 200, 'true'], true],
    [['shoal', 'put', 'k', 200, 'false'], false],
    [['shoal', 'put', 'k', 500, 'rpc error'], false],
    [['shoal', 'get', 'k', 200, '[{"Key":"k","Value":"dg==","Flags":0}]'], true],
    [['shoal', 'get', 'k', 200, '[{"Key":"other","Value":"dg=="}]'], false],
    [['shoal', 'get', 'k', 200, '[]'], false],
    [['shoal', 'get', 'k', 404, ''], false],
    [['shoal', 'get', 'k', 200, 'not json'], false],
    [['etcd', 'put', 'k', 200, `{${etcdHeader}}`], true],
    [['etcd', 'put', 'k', 200, '{}'], false],
    [['etcd', 'put', 'k', 503, '{"error":"etcdserver: leader changed"}'], false],
    [['etcd', 'get', 'k', 200, `{${etcdHeader},"kvs":[{"key":"aw==","value":"dg==","mod_revision":"9"}],"count":"1"}`], true],
    [['etcd', 'get', 'k', 200, `{${etcdHeader}}`], false],
    [['etcd', 'get', 'k', 200, `{${etcdHeader},"kvs":[{"key":"eA==","value":"dg=="}]}`], false],
    [['etcd', 'get', 'k', 200, 'null'], false],
  ];
  for (const [args, right] of cases) assert.equal(answerProblem(...args) === undefined, right, JSON.stringify(args));
});

const round = (over: Partial<RoundFigures>): RoundFigures => ({ ops: 100, errors: 0, elapsed_ms: 1000, p50_ms: 1, p99_ms: 2, max_ms: 3, cluster_cpu_ms_per_op: 1, ...over });

test('a cell is the median round; its errors add up and fail it', () => {
  const row = combineRounds([round({ elapsed_ms: 500, p50_ms: 3, max_ms: 9 }), round({ elapsed_ms: 1000, p50_ms: 1 }), round({ elapsed_ms: 2000, p50_ms: 2, errors: 1, first_error: 'status 500' })]);
  assert.deepEqual(row, { rounds: 3, ops: 300, errors: 1, first_error: 'status 500', ops_per_s: 100, p50_ms: 2, p99_ms: 2, max_ms: 9, cluster_cpu_ms_per_op: 1, failed: true });
  assert.equal(combineRounds([round({}), round({ elapsed_ms: 250 })]).ops_per_s, 100, 'of two, the lower');
});

test('ratios and targets: PUT at 64 clients against 0.8, GET at every count against 1, none with a failed side', () => {
  const cell = (ops_per_s: number, failed = false): CellRow => ({ rounds: 1, ops: 1, errors: failed ? 1 : 0, ops_per_s, p50_ms: 2, p99_ms: 4, max_ms: 5, cluster_cpu_ms_per_op: 1, failed });
  const table: [Parameters<typeof ratioLine>, number | null, boolean | null][] = [
    [['put', 64, cell(80), cell(100)], 0.8, true],
    [['put', 64, cell(79), cell(100)], 0.79, false],
    [['put', 1, cell(10), cell(100)], 0.1, null],
    [['get', 1, cell(100), cell(100)], 1, true],
    [['get', 64, cell(99), cell(100)], 0.99, false],
    [['get', 64, cell(200, true), cell(100)], null, null],
    [['put', 64, cell(200), undefined], null, null],
  ];
  for (const [args, throughput, met] of table) {
    const line = ratioLine(...args);
    assert.deepEqual([line.shoal_over_etcd_ops_per_s, line.targets_met], [throughput, met], JSON.stringify(args));
  }
  assert.equal(ratioLine('get', 1, cell(1), cell(2)).shoal_over_etcd_p99, 1);
});

test('CPU from /proc/<pid>/stat: user + system ticks, past a command name with spaces and parentheses', () => {
  const stat = (comm: string): string => `6308 (${comm}) R 6305 6305 3229 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 1 0 7880150 3133440 363`;
  assert.equal(cpuMsOfStat(stat('node')), 3000);
  assert.equal(cpuMsOfStat(stat('a b) c')), 3000);
  assert.equal(cpuMsOfStat('garbage'), undefined);
});
