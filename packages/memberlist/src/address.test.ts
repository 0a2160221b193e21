import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensurePort, formatIP, hasPort, ipEqual, joinHostPort, netContains, parseCIDRs, parseIP, splitHostPort, toIPv4 } from './address.js';

test('parseIP and formatIP round trip IPv4 and IPv6', () => {
  assert.deepEqual(parseIP('127.0.0.1'), Uint8Array.of(127, 0, 0, 1));
  assert.equal(parseIP('256.0.0.1'), undefined);
  assert.equal(parseIP('1.2.3'), undefined);
  assert.equal(parseIP('01.2.3.4'), undefined);
  for (const text of ['::1', 'fd00::1', '2001:db8::ff00:42:8329', '::', '1:2:3:4:5:6:7:8']) {
    const ip = parseIP(text);
    assert.ok(ip, text);
    assert.equal(ip.length, 16);
    assert.equal(formatIP(ip), text);
  }
  assert.equal(formatIP(parseIP('::ffff:10.1.2.3')), '10.1.2.3', 'IPv4-mapped prints as IPv4, like Go');
  assert.equal(parseIP('1::2::3'), undefined);
  assert.equal(parseIP('g::1'), undefined);
});

test('IPv4 as 4 or 16 bytes compares equal (spec §3.1)', () => {
  const four = Uint8Array.of(10, 0, 0, 7);
  const sixteen = parseIP('::ffff:10.0.0.7')!;
  assert.ok(ipEqual(four, sixteen));
  assert.deepEqual(toIPv4(sixteen), four);
  assert.ok(!ipEqual(four, Uint8Array.of(10, 0, 0, 8)));
  assert.ok(!ipEqual(parseIP('::1'), Uint8Array.of(0, 0, 0, 1)));
});

test('host:port helpers (Go TestUtil_PortFunctions)', () => {
  assert.equal(joinHostPort('::1', 80), '[::1]:80');
  assert.deepEqual(splitHostPort('[::1]:80'), { host: '::1', port: 80 });
  assert.deepEqual(splitHostPort('10.0.0.1:7946'), { host: '10.0.0.1', port: 7946 });
  assert.equal(splitHostPort('10.0.0.1'), undefined);
  assert.equal(splitHostPort('10.0.0.1:99999'), undefined);
  const cases: [string, boolean, string][] = [
    ['1.2.3.4', false, '1.2.3.4:8301'],
    ['1.2.3.4:1234', true, '1.2.3.4:1234'],
    ['2600:1f14:e22:1501:f9a:2e0c:a167:67e8', false, '[2600:1f14:e22:1501:f9a:2e0c:a167:67e8]:8301'],
    ['[2600:1f14:e22:1501:f9a:2e0c:a167:67e8]', false, '[2600:1f14:e22:1501:f9a:2e0c:a167:67e8]:8301'],
    ['[2600:1f14:e22:1501:f9a:2e0c:a167:67e8]:1234', true, '[2600:1f14:e22:1501:f9a:2e0c:a167:67e8]:1234'],
    ['localhost', false, 'localhost:8301'],
    ['localhost:1234', true, 'localhost:1234'],
    ['hashicorp.com', false, 'hashicorp.com:8301'],
    ['hashicorp.com:1234', true, 'hashicorp.com:1234'],
  ];
  for (const [input, has, ensured] of cases) {
    assert.equal(hasPort(input), has, input);
    assert.equal(ensurePort(input, 8301), ensured, input);
  }
});

test('parseCIDRs and netContains (Go ParseCIDRs / IPAllowed)', () => {
  const { nets, errors } = parseCIDRs(['127.0.0.0/8', ' 10.0.0.0/16 ', 'fd00::/8', 'bogus', '1.2.3.4/33']);
  assert.equal(nets.length, 3);
  assert.deepEqual(errors, ['invalid cidr: bogus', 'invalid cidr: 1.2.3.4/33']);
  assert.ok(netContains(nets[0]!, parseIP('127.1.2.3')!));
  assert.ok(netContains(nets[0]!, parseIP('::ffff:127.0.0.1')!), 'IPv4-mapped matches an IPv4 net');
  assert.ok(netContains(nets[1]!, parseIP('10.0.255.1')!));
  assert.ok(!netContains(nets[1]!, parseIP('10.1.0.1')!));
  assert.ok(netContains(nets[2]!, parseIP('fd12::1')!));
  assert.ok(!netContains(nets[2]!, parseIP('10.0.0.1')!));
});
