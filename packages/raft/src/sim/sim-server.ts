/**
 * One raft server on a simulated host: its stores live on the host's
 * simulated disk (so a crash loses what was not synced), its timers on the
 * host's clock group (so a crash stops them), its transport on the simulated
 * network. crash() and restart() model a process dying and coming back.
 */
import type { SimNode } from '@shoal/sim';
import { bootstrapCluster } from '../bootstrap.js';
import type { Config } from '../config.js';
import type { Configuration } from '../configuration.js';
import { FileSnapshotStore } from '../storage/file-snapshot.js';
import { FileStore } from '../storage/file-store.js';
import type { InvariantChecker, LogView } from '../invariants.js';
import { Raft } from '../raft.js';
import { KvFsm } from './kv-fsm.js';
import type { SimRaftNetwork, SimTransport } from '../transport/sim-transport.js';

export class SimServer {
  readonly id: string;
  readonly node: SimNode;
  readonly address: string;
  readonly #net: SimRaftNetwork;
  readonly #config: Config;
  readonly #checker: InvariantChecker;
  raft: Raft | undefined;
  fsm: KvFsm | undefined;
  store: FileStore | undefined;
  transport: SimTransport | undefined;
  /** Called when this server becomes leader (for traces and counters). */
  onLeader: ((id: string, term: number) => void) | undefined;
  /** Check exactly that state changes run in each node's serial task (slower). */
  exactTaskChecks = false;
  crashes = 0;
  /** Restarts that found a torn record at the end of the log file (and cut it off). */
  tornTails = 0;

  constructor(id: string, node: SimNode, net: SimRaftNetwork, config: Config, checker: InvariantChecker) {
    this.id = id;
    this.node = node;
    this.address = node.address(7000);
    this.#net = net;
    this.#config = config;
    this.#checker = checker;
  }

  get up(): boolean {
    return this.raft !== undefined && this.raft.state !== 'Shutdown';
  }

  /** Writes the initial configuration to this server's disk. */
  async bootstrap(configuration: Configuration): Promise<void> {
    const fs = this.node.disk.fileSystem();
    const store = await FileStore.open(fs, 'raft/store.log');
    const snapshots = await FileSnapshotStore.open(fs, 'raft/snapshots');
    const transport = this.#net.attach(this.node);
    await bootstrapCluster({ config: this.#config, logs: store, stable: store, snapshots, transport, configuration });
    await store.close();
  }

  /** Starts the raft process on whatever the disk holds. */
  async start(): Promise<void> {
    const fs = this.node.disk.fileSystem();
    const store = await FileStore.open(fs, 'raft/store.log');
    if (store.truncatedBytes > 0) this.tornTails++;
    const snapshots = await FileSnapshotStore.open(fs, 'raft/snapshots');
    const transport = this.#net.attach(this.node);
    const fsm = new KvFsm();
    const raft = await Raft.create({
      config: this.#config,
      fsm,
      logs: store,
      stable: store,
      snapshots,
      transport,
      clock: this.node.clock,
      random: this.node.random.fork(),
      exactTaskChecks: this.exactTaskChecks,
    });
    const core = raft.internals;
    core.onStateChange((state, term) => {
      if (state !== 'Leader') return;
      this.#checker.recordLeader(this.id, term);
      this.onLeader?.(this.id, term);
    });
    core.onInvariantFailure((err) => this.#checker.recordInternal(this.id, err));
    core.fsmRunner.onApplied = (log) => this.#checker.recordApplied(this.id, log);
    this.store = store;
    this.fsm = fsm;
    this.transport = transport;
    this.raft = raft;
  }

  /** The process dies: unsynced writes are lost, timers stop, the network forgets it. */
  crash(): void {
    if (!this.node.alive) return;
    this.crashes++;
    this.node.crash();
    this.node.clock.cancelAll();
    const raft = this.raft;
    this.raft = undefined;
    this.fsm = undefined;
    void raft?.shutdown().catch(() => undefined);
  }

  async restart(): Promise<void> {
    if (this.node.alive && this.up) return;
    this.node.restart();
    await this.start();
  }

  /** This server's log for the invariant checker (its last durable state when down). */
  logView(): LogView | undefined {
    const store = this.store;
    if (store === undefined) return undefined;
    const core = this.raft?.internals;
    const entries = store.entries();
    const last = entries[entries.length - 1]?.index ?? 0;
    return {
      id: this.id,
      entries,
      snapshotIndex: core?.lastSnapshotIndex ?? 0,
      lastIndex: Math.max(last, core?.lastLogIndex ?? 0),
    };
  }
}
