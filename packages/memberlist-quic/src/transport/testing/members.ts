// Test support: QUIC transports and memberlist members on loopback, with
// certificates from the package's tls/ helpers.
import { InMemoryMetrics, RealClock } from '@shoal/kit';
import { defaultLocalConfig, Memberlist, type Config, type Delegate } from '@shoal/memberlist';
import { makeCa, makeNodeCert, type TestCa, type TestNodeCert } from '../../engine/testing/certs.js';
import { QuicTransport } from '../quic-transport.js';
import type { QuicTransportConfig } from '../config.js';

export const clock = new RealClock({ unref: true });

export { makeCa, makeNodeCert, type TestCa, type TestNodeCert };

export function transport(ca: TestCa, cert: TestNodeCert, extra: Partial<QuicTransportConfig> = {}): Promise<QuicTransport> {
  return QuicTransport.create({
    bindAddr: '127.0.0.1',
    bindPort: 0,
    tls: { caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem },
    clock,
    ...extra,
  });
}

/** A delegate recording user messages and push/pull state. */
export class RecordingDelegate implements Delegate {
  readonly messages: string[] = [];
  readonly merged: { state: string; join: boolean }[] = [];
  constructor(readonly name: string) {}
  nodeMeta(): Uint8Array {
    return new Uint8Array(0);
  }
  notifyMsg(msg: Uint8Array): void {
    this.messages.push(Buffer.from(msg).toString());
  }
  getBroadcasts(): Uint8Array[] {
    return [];
  }
  localState(): Uint8Array {
    return Buffer.from(`state of ${this.name}`);
  }
  mergeRemoteState(buf: Uint8Array, join: boolean): void {
    this.merged.push({ state: Buffer.from(buf).toString(), join });
  }
}

export interface Member {
  name: string;
  list: Memberlist;
  transport: QuicTransport;
  delegate: RecordingDelegate;
  metrics: InMemoryMetrics;
  addr: string;
}

export async function member(name: string, ca: TestCa, cert: TestNodeCert, extra: Partial<QuicTransportConfig> = {}, config: Partial<Config> = {}): Promise<Member> {
  const metrics = new InMemoryMetrics();
  const t = await transport(ca, cert, { metrics, ...extra });
  const delegate = new RecordingDelegate(name);
  const list = await Memberlist.create(
    defaultLocalConfig({
      name,
      bindAddr: '127.0.0.1',
      bindPort: t.port,
      advertisePort: t.port,
      transport: t,
      delegate,
      joinSyncDelaysMs: [],
      clock,
      ...config,
    }),
  );
  return { name, list, transport: t, delegate, metrics, addr: `127.0.0.1:${t.port}` };
}

/** Polls `cond` every 20 ms until it holds, or fails after `ms`. */
export async function until(cond: () => boolean, ms = 8000, what = 'condition'): Promise<void> {
  const deadline = clock.now() + ms;
  while (!cond()) {
    if (clock.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => clock.after(20, () => r(undefined)));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => clock.after(ms, () => r(undefined)));
}
