import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVsn, defaultLANConfig, defaultLocalConfig, defaultWANConfig, validateConfig } from './config.js';
import { MemberlistError } from './errors.js';

test('the three profiles carry every value of spec §12', () => {
  const lan = defaultLANConfig({ name: 'n' });
  const wan = defaultWANConfig({ name: 'n' });
  const local = defaultLocalConfig({ name: 'n' });
  const row = (field: keyof typeof lan): unknown[] => [lan[field], wan[field], local[field]];
  assert.deepEqual(row('bindAddr'), ['0.0.0.0', '0.0.0.0', '0.0.0.0']);
  assert.deepEqual(row('bindPort'), [7946, 7946, 7946]);
  assert.deepEqual(row('advertisePort'), [7946, 7946, 7946]);
  assert.deepEqual(row('protocolVersion'), [2, 2, 2]);
  assert.deepEqual(row('tcpTimeoutMs'), [10_000, 30_000, 1_000]);
  assert.deepEqual(row('indirectChecks'), [3, 3, 1]);
  assert.deepEqual(row('retransmitMult'), [4, 4, 2]);
  assert.deepEqual(row('suspicionMult'), [4, 6, 3]);
  assert.deepEqual(row('suspicionMaxTimeoutMult'), [6, 6, 6]);
  assert.deepEqual(row('pushPullIntervalMs'), [30_000, 60_000, 15_000]);
  assert.deepEqual(row('probeTimeoutMs'), [500, 3_000, 200]);
  assert.deepEqual(row('probeIntervalMs'), [1_000, 5_000, 1_000]);
  assert.deepEqual(row('awarenessMaxMultiplier'), [8, 8, 8]);
  assert.deepEqual(row('gossipNodes'), [3, 4, 3]);
  assert.deepEqual(row('gossipIntervalMs'), [200, 500, 100]);
  assert.deepEqual(row('gossipToTheDeadTimeMs'), [30_000, 60_000, 15_000]);
  assert.deepEqual(row('handoffQueueDepth'), [1024, 1024, 1024]);
  assert.deepEqual(row('udpBufferSize'), [1400, 1400, 1400]);
  assert.deepEqual(row('queueCheckIntervalMs'), [30_000, 30_000, 30_000]);
  assert.deepEqual(row('deadNodeReclaimTimeMs'), [0, 0, 0]);
  assert.deepEqual(row('delegateProtocolMin'), [0, 0, 0]);
  assert.deepEqual(row('delegateProtocolMax'), [0, 0, 0]);
  assert.deepEqual(row('delegateProtocolVersion'), [0, 0, 0]);
  for (const c of [lan, wan, local]) {
    assert.equal(c.disableTcpPings, false);
    assert.equal(c.gossipVerifyIncoming, true);
    assert.equal(c.gossipVerifyOutgoing, true);
    assert.equal(c.enableCompression, true);
    assert.equal(c.requireNodeNames, false);
    assert.equal(c.skipInboundLabelCheck, false);
    assert.equal(c.msgpackUseNewTimeFormat, false);
    assert.equal(c.label, '');
    assert.equal(c.secretKey, undefined);
    assert.equal(c.keyring, undefined);
    assert.equal(c.cidrsAllowed, undefined);
    assert.equal(c.dnsConfigPath, '/etc/resolv.conf');
    assert.equal(c.metaMaxSize, 512);
    assert.equal(c.maxConcurrentPushPulls, 128);
    assert.equal(c.rejoinIntervalMs, 0, 'periodic rejoin is off by default');
    validateConfig(c);
  }
  assert.ok(defaultLANConfig().name.length > 0, 'name defaults to the hostname');
});

test('overrides apply on top of a profile', () => {
  const c = defaultWANConfig({ name: 'x', probeIntervalMs: 7 });
  assert.equal(c.probeIntervalMs, 7);
  assert.equal(c.probeTimeoutMs, 3_000);
});

test('buildVsn is [1, 5, pcur, dmin, dmax, dcur] (spec §9)', () => {
  const c = defaultLANConfig({ name: 'n', delegateProtocolMin: 1, delegateProtocolMax: 3, delegateProtocolVersion: 2 });
  assert.deepEqual(buildVsn(c), Uint8Array.of(1, 5, 2, 1, 3, 2));
});

test('validateConfig rejects bad values with ERR_INVALID_CONFIG', () => {
  const bad: Partial<ReturnType<typeof defaultLANConfig>>[] = [
    { name: '' },
    { protocolVersion: 0 },
    { protocolVersion: 6 },
    { probeIntervalMs: -1 },
    { suspicionMult: 0 },
    { awarenessMaxMultiplier: 0 },
    { udpBufferSize: 10 },
    { delegateProtocolMax: 256 },
    { label: 'x'.repeat(256) },
    { probeTimeoutMs: 0 },
  ];
  for (const override of bad) {
    assert.throws(
      () => validateConfig(defaultLANConfig({ name: 'n', ...override })),
      (e: unknown) => e instanceof MemberlistError && e.code === 'ERR_INVALID_CONFIG',
      JSON.stringify(override),
    );
  }
});
