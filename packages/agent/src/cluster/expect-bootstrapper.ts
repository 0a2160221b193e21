// Acts on decideBootstrap (bootstrap-decision.ts) for a server started with
// --bootstrap-expect: asked again on every member event and periodically
// until raft has state, it bootstraps when the decision says so and logs why
// not when that changes (each reason once, not on every check).

import type { Logger } from '@shoal/kit';
import type { Raft, Server } from '@shoal/raft';
import type { AgentTags } from './agent-tags.js';
import { decideBootstrap } from './bootstrap-decision.js';
import { codeOf } from '../errors.js';
import type { Member } from '../member-view.js';
import { SingleFlight } from '../single-flight.js';

export interface ExpectBootstrapperOptions {
  readonly raft: Pick<Raft, 'bootstrapCluster'>;
  /** Whether raft holds state now (the stores at start, then any term or entry since). */
  readonly hasState: () => boolean;
  readonly selfName: string;
  readonly selfTags: () => AgentTags;
  /** Current members, this server included. */
  readonly members: () => readonly Member[];
  readonly logger: Logger;
  readonly onBootstrapped: (servers: readonly Server[]) => void;
}

export class ExpectBootstrapper {
  readonly #options: ExpectBootstrapperOptions;
  readonly #flight: SingleFlight;
  #done = false;
  #lastReason = '';

  constructor(options: ExpectBootstrapperOptions) {
    this.#options = options;
    this.#flight = new SingleFlight(() => this.#check());
  }

  /** True once this server bootstrapped, or found it need not. */
  get done(): boolean {
    return this.#done;
  }

  /** Looks again; resolves when the look (and any bootstrap it made) is over. */
  check(): Promise<void> {
    return this.#done ? Promise.resolve() : this.#flight.request();
  }

  async #check(): Promise<void> {
    if (this.#done) return;
    const { raft, hasState, selfName, selfTags, members, logger, onBootstrapped } = this.#options;
    const decision = decideBootstrap({ selfName, selfTags: selfTags(), selfHasState: hasState(), members: members() });
    if (decision.action === 'none') {
      this.#done = true;
      logger.debug({ reason: decision.reason }, 'agent: no bootstrap');
      return;
    }
    if (decision.action !== 'bootstrap') {
      if (decision.reason !== this.#lastReason) {
        this.#lastReason = decision.reason;
        if (decision.action === 'refuse') logger.warn({ reason: decision.reason }, 'agent: not bootstrapping raft');
        else logger.info({ reason: decision.reason }, 'agent: waiting to bootstrap raft');
      }
      return;
    }
    const servers = decision.servers;
    logger.info({ servers: servers.map((s) => `${s.id}=${s.address}`) }, 'agent: bootstrapping raft');
    try {
      await raft.bootstrapCluster({ servers: [...servers] });
    } catch (error) {
      // State arrived in the meantime: a leader reached this server first.
      if (codeOf(error) === 'ERR_CANT_BOOTSTRAP') {
        this.#done = true;
        logger.info('agent: raft got state before it could bootstrap; joining the existing cluster');
        return;
      }
      throw error;
    }
    this.#done = true;
    onBootstrapped(servers);
  }
}
