import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finalAdvertiseAddress, firstPrivateIP, isPrivateIPv4, unmapV4 } from './advertise.js';
import { ipFamily as isIP } from './ip-family.js';
import { joinHostPort, splitHostPort } from '../address.js';

test('explicit advertise address wins, IPv4-mapped becomes IPv4', () => {
  assert.deepEqual(finalAdvertiseAddress('10.1.2.3', 9000, '0.0.0.0', 7946), { host: '10.1.2.3', port: 9000 });
  assert.deepEqual(finalAdvertiseAddress('::ffff:10.1.2.3', 0, '0.0.0.0', 7946), { host: '10.1.2.3', port: 7946 });
  assert.throws(() => finalAdvertiseAddress('not-an-ip', 1, '0.0.0.0', 1), /failed to parse advertise address/);
});

test('a wildcard bind advertises the first private IP, or fails clearly', () => {
  assert.deepEqual(finalAdvertiseAddress(undefined, undefined, '0.0.0.0', 7946, () => '192.168.1.9'), { host: '192.168.1.9', port: 7946 });
  assert.throws(() => finalAdvertiseAddress(undefined, undefined, '0.0.0.0', 7946, () => undefined), /no private IP/);
  assert.deepEqual(finalAdvertiseAddress(undefined, undefined, '127.0.0.1', 5000), { host: '127.0.0.1', port: 5000 });
});

test('private ranges and interface scan', () => {
  for (const ip of ['10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '100.64.0.1']) assert.ok(isPrivateIPv4(ip), ip);
  for (const ip of ['8.8.8.8', '172.32.0.1', '127.0.0.1', '::1']) assert.ok(!isPrivateIPv4(ip), ip);
  const fake = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [{ address: '8.8.8.8', family: 'IPv4', internal: false }, { address: '10.9.8.7', family: 'IPv4', internal: false }],
  } as unknown as ReturnType<typeof import('node:os').networkInterfaces>;
  assert.equal(firstPrivateIP(fake), '10.9.8.7');
  assert.equal(unmapV4('::FFFF:1.2.3.4'), '1.2.3.4');
});

test('IP text and host:port helpers', () => {
  assert.equal(isIP('1.2.3.4'), 4);
  assert.equal(isIP('256.1.1.1'), 0);
  assert.equal(isIP('::1'), 6);
  assert.equal(isIP('fe80::1%eth0'), 6);
  assert.equal(isIP('::ffff:1.2.3.4'), 6);
  assert.equal(isIP('1:2:3:4:5:6:7:8'), 6);
  assert.equal(isIP('1:2:3:4:5:6:7:8:9'), 0);
  assert.equal(isIP('1::2::3'), 0);
  assert.equal(isIP('localhost'), 0);
  assert.equal(joinHostPort('::1', 5), '[::1]:5');
  assert.deepEqual(splitHostPort('[::1]:5'), { host: '::1', port: 5 });
  assert.deepEqual(splitHostPort('1.2.3.4:7946'), { host: '1.2.3.4', port: 7946 });
  assert.equal(splitHostPort('::1:5'), undefined);
  assert.equal(splitHostPort('h:99999'), undefined);
  assert.equal(splitHostPort('h'), undefined);
});
