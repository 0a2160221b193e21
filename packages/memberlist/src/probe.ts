import type { Address } from './address.js';
import type { EngineContext } from './context.js';
import { NoPingResponseError, TransportError } from './errors.js';
import { Node, type NodeInfo } from './node.js';
import { OneOffPart, type Outbox } from './outbox.js';
import type { Streams } from './streams.js';
import { kRandomIndexes } from './util.js';
import type { Ping } from './wire/messages.js';
import { MessageType, NodeStateType } from './wire/types.js';

interface Target {
  readonly info: NodeInfo;
  readonly state: NodeStateType;
  readonly incarnation: number;
}

/**
 * Failure detection (Go's probe and probeNode, spec §11.2): one member per
 * tick, round-robin over a shuffled table; a direct ping, then indirect pings
 * through IndirectChecks members (with nacks) and a TCP fallback; failures
 * feed the Lifeguard health score and start a suspicion.
 */
export class Prober {
  readonly #ctx: EngineContext;
  readonly #outbox: Outbox;
  readonly #streams: Streams;
  #probeIndex = 0;
  #busy = false;
  #tickPending = false;

  constructor(ctx: EngineContext, outbox: Outbox, streams: Streams) {
    this.#ctx = ctx;
    this.#outbox = outbox;
    this.#streams = streams;
  }

  /**
   * A probe tick. A probe may outlast the interval; like Go's ticker, which
   * buffers one tick, a tick during a probe runs right after it and further
   * ones are dropped.
   */
  tick(): void {
    if (this.#busy) {
      this.#tickPending = true;
      return;
    }
    this.probe();
  }

  /** Probes the next member in order, reaping and reshuffling at the end of each pass. */
  probe(): void {
    const ctx = this.#ctx;
    const t = ctx.state.table;
    let numCheck = 0;
    for (;;) {
      if (numCheck >= t.length) return;
      if (this.#probeIndex >= t.length) {
        this.resetNodes();
        this.#probeIndex = 0;
        numCheck++;
        continue;
      }
      const i = this.#probeIndex++;
      if (t.name(i) === ctx.config.name || t.deadOrLeft(i)) {
        numCheck++;
        continue;
      }
      this.#probeNode({ info: t.info(i), state: t.state(i), incarnation: t.incarnation(i) });
      return;
    }
  }

  /** Forgets dead and left members older than GossipToTheDeadTime, then shuffles (Go's resetNodes). */
  resetNodes(): void {
    const ctx = this.#ctx;
    ctx.state.table.reap(ctx.clock.now(), ctx.config.gossipToTheDeadTimeMs);
    ctx.state.table.shuffle(ctx.random);
  }

  #probeNode(target: Target): void {
    const ctx = this.#ctx;
    const { config, clock, awareness, acks } = ctx;
    this.#busy = true;
    const probeIntervalMs = awareness.scaleTimeout(config.probeIntervalMs);
    if (probeIntervalMs > config.probeIntervalMs) ctx.metrics.incrCounter('memberlist.degraded.probe', 1, ctx.labels);
    const ping = this.#newPing(target.info.name);
    const to = target.info.fullAddress;
    const sent = clock.now();
    const deadline = sent + probeIntervalMs;

    let finished = false;
    let phase: 'direct' | 'indirect' = 'direct';
    let expired = false;
    let nacks = 0;
    let expectedNacks = 0;
    let fallback: 'none' | 'pending' | 'contacted' | 'failed' = 'none';
    const timers: { direct?: { cancel(): void } } = {};

    const finish = (delta: number): void => {
      if (finished) return;
      finished = true;
      timers.direct?.cancel();
      // Go's memberlist.probeNode: the whole probe, direct and indirect.
      ctx.metrics.addTiming('memberlist.probeNode', clock.now() - sent, ctx.labels);
      awareness.applyDelta(delta);
      this.#busy = false;
      if (this.#tickPending && !ctx.stopped()) {
        this.#tickPending = false;
        this.probe();
      }
    };

    const fail = (): void => {
      if (finished) return;
      if (fallback === 'pending') return; // concluded when the TCP ping settles
      if (fallback === 'contacted') {
        ctx.logger.warn({ node: target.info.name }, 'memberlist: reached node over TCP but other probes failed; network may be misconfigured');
        finish(-1);
        return;
      }
      const delta = expectedNacks > 0 ? Math.max(0, expectedNacks - nacks) : 1;
      ctx.logger.info({ node: target.info.name }, 'memberlist: suspect node has failed, no acks received');
      finish(delta);
      ctx.dispatch.run(() => ctx.state.suspectNode({ incarnation: target.incarnation, node: target.info.name, from: config.name }));
    };

    const indirect = (): void => {
      if (finished || phase === 'indirect') return;
      phase = 'indirect';
      timers.direct?.cancel();
      this.#sendIndirect(target, ping.seqNo, (n) => (expectedNacks = n));
      const disabled = config.disableTcpPings || (config.disableTcpPingsForNode?.(target.info.name) ?? false);
      if (!disabled && target.info.pMax >= 3) {
        fallback = 'pending';
        this.#streams.ping(to, ping, deadline).then(
          (contacted) => {
            fallback = contacted ? 'contacted' : 'failed';
            if (expired) fail();
          },
          (err: unknown) => {
            ctx.logger.error({ err, node: target.info.name }, 'memberlist: failed fallback ping');
            fallback = 'failed';
            if (expired) fail();
          },
        );
      }
      if (expired) fail();
    };

    acks.expect(
      ping.seqNo,
      probeIntervalMs,
      (payload, timestampMs) => {
        if (phase === 'direct' && config.ping) {
          const rtt = timestampMs - sent;
          const node = new Node(target.info, target.state);
          ctx.dispatch.post(() => config.ping!.notifyPingComplete(node, rtt, payload ?? new Uint8Array(0)));
        }
        finish(-1);
      },
      () => nacks++,
      () => {
        expired = true;
        if (phase === 'direct') indirect();
        else fail();
      },
    );

    try {
      if (target.state === NodeStateType.Alive) {
        this.#outbox.send(to, { type: MessageType.Ping, body: ping });
      } else {
        // Lifeguard's buddy system: tell a suspect it is suspected, so it can refute at once.
        const suspect = { incarnation: target.incarnation, node: target.info.name, from: config.name };
        this.#outbox.sendParts(to, target.info, [new OneOffPart({ type: MessageType.Ping, body: ping }), new OneOffPart({ type: MessageType.Suspect, body: suspect })]);
      }
    } catch (err) {
      ctx.logger.error({ err, node: target.info.name }, 'memberlist: failed to send ping');
      if (!(err instanceof TransportError && err.remote)) {
        // A local failure says nothing about the target: give up without a health change.
        acks.cancel(ping.seqNo);
        finish(0);
        return;
      }
      indirect();
      return;
    }
    timers.direct = clock.after(config.probeTimeoutMs, indirect);
  }

  #sendIndirect(target: Target, seqNo: number, setExpected: (n: number) => void): void {
    const ctx = this.#ctx;
    const t = ctx.state.table;
    const me = ctx.config.name;
    const peers = kRandomIndexes(ctx.random, ctx.config.indirectChecks, t.length, (i) => {
      const name = t.name(i);
      return name === me || name === target.info.name || t.state(i) !== NodeStateType.Alive;
    }).map((i) => t.info(i));
    let expected = 0;
    const { addr, port } = ctx.advertise;
    for (const peer of peers) {
      const nack = peer.pMax >= 4;
      if (nack) expected++;
      const ind = {
        seqNo,
        target: target.info.addr,
        port: target.info.port,
        node: target.info.name,
        nack,
        sourceAddr: addr,
        sourcePort: port,
        sourceNode: me,
      };
      try {
        this.#outbox.send(peer.fullAddress, { type: MessageType.IndirectPing, body: ind });
      } catch (err) {
        ctx.logger.error({ err, peer: peer.name }, 'memberlist: failed to send indirect ping');
      }
    }
    setExpected(expected);
  }

  #newPing(node: string): Ping {
    const ctx = this.#ctx;
    return { seqNo: ctx.acks.nextSeqNo(), node, sourceAddr: ctx.advertise.addr, sourcePort: ctx.advertise.port, sourceNode: ctx.config.name };
  }

  /** A one-off direct ping (Go's Ping): resolves the RTT in ms, or rejects with NoPingResponseError after ProbeTimeout. */
  ping(node: string, addr: string): Promise<number> {
    const ctx = this.#ctx;
    const ping = this.#newPing(node);
    const to: Address = { addr, name: node };
    return new Promise<number>((resolve, reject) => {
      let sent = 0;
      let settled = false;
      const timer = ctx.clock.after(ctx.config.probeTimeoutMs, () => {
        if (settled) return;
        settled = true;
        reject(new NoPingResponseError(node));
      });
      ctx.acks.expect(ping.seqNo, ctx.config.probeIntervalMs, (_payload, timestampMs) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        resolve(timestampMs - sent);
      });
      try {
        sent = ctx.clock.now();
        this.#outbox.send(to, { type: MessageType.Ping, body: ping });
      } catch (err) {
        settled = true;
        timer.cancel();
        reject(err);
      }
    });
  }
}
