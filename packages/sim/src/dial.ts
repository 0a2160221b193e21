/**
 * Opening a stream: a SYN travels to the listener's host (one link latency),
 * the server end is handed to the listener, and the dialler gets its end when
 * the SYN-ACK returns (one more latency). Outcomes:
 * - nobody listens on a reachable, live host: ECONNREFUSED after a round trip;
 * - the host is crashed, unknown, or cut off in either direction: no answer,
 *   so ETIMEDOUT when the timeout expires (partitions are judged at dial time);
 * - the dialling node crashes meanwhile: ENETDOWN;
 * - the signal aborts: its reason.
 */
import { abortReason } from '@shoal/kit';
import { SimNetworkError } from './errors.js';
import type { SimNode } from './node.js';
import { SimStream } from './stream.js';
import { TraceKind } from './trace.js';

export interface DialOptions {
  /** Give up after this long. Default: the network's defaultDialTimeoutMs. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function dial(src: SimNode, address: string, options: DialOptions): Promise<SimStream> {
  const net = src.network;
  const sim = net.sim;
  const signal = options.signal;
  if (!src.alive) return Promise.reject(new SimNetworkError('ENETDOWN', `node ${src.host} is crashed`));
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  let target;
  try {
    target = net.resolve(address);
  } catch (error) {
    return Promise.reject(error);
  }
  const timeoutMs = options.timeoutMs ?? net.defaultDialTimeoutMs;
  const localAddress = src.address(src.ephemeralPort());

  return new Promise<SimStream>((resolve, reject) => {
    let settled = false;
    const cleanup = (): void => {
      settled = true;
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      src.pendingDials.delete(fail);
    };
    const fail = (error: Error): void => {
      if (settled) return;
      cleanup();
      reject(error);
    };
    const onAbort = (): void => fail(abortReason(signal!) as Error);
    const timer = sim.after(timeoutMs, () => {
      net.stats.dialsTimedOut++;
      traceDial(src, TraceKind.dialTimedOut, address);
      fail(new SimNetworkError('ETIMEDOUT', `dial ${address} from ${src.host} timed out after ${timeoutMs} ms`));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    src.pendingDials.add(fail);

    if (target === undefined) return;
    const dst = target.node;
    if (!dst.alive || !net.reachable(src, dst) || !net.reachable(dst, src)) return;

    const synArrival = sim.now() + net.link(src, dst).latency.sample(net.random);
    sim.scheduleAt(synArrival, () => {
      if (settled || !dst.alive) return;
      const ackArrival = sim.now() + net.link(dst, src).latency.sample(net.random);
      const listener = dst.listener(target.port);
      if (listener === undefined) {
        sim.scheduleAt(ackArrival, () => {
          if (settled) return;
          net.stats.dialsRefused++;
          traceDial(src, TraceKind.dialRefused, address);
          fail(new SimNetworkError('ECONNREFUSED', `connection to ${address} refused`));
        }, undefined);
        return;
      }
      const [client, server] = SimStream.pair(src, localAddress, dst, listener.address, ackArrival);
      net.stats.streamsOpened++;
      src.stats.streamsOpened++;
      dst.stats.streamsOpened++;
      const trace = sim.trace;
      trace.begin(TraceKind.streamConnected);
      trace.float(sim.now());
      trace.word(src.id);
      trace.word(dst.id);
      trace.word(target.port);
      trace.word(client.id);
      listener.deliver(server);
      sim.scheduleAt(ackArrival, () => {
        if (client.error !== undefined) return fail(client.error);
        if (settled) return client.reset(); // the dialler gave up: answer the SYN-ACK with a reset
        cleanup();
        resolve(client);
      }, undefined);
    }, undefined);
  });
}

function traceDial(src: SimNode, kind: TraceKind, address: string): void {
  const trace = src.network.sim.trace;
  trace.begin(kind);
  trace.float(src.network.sim.now());
  trace.word(src.id);
  trace.string(address);
}
