// The agents gossip knows, as the agent's MemberView: memberlist's nodes
// that carry a shoal agent's tags (members.ts), remembered after memberlist
// forgets them (member-tracker.ts), with listeners told of every change.

import type { Clock } from '@shoal/kit';
import type { Node } from '@shoal/memberlist';
import type { Member, MemberView } from '../member-view.js';
import type { AgentTags } from './agent-tags.js';
import { MemberTracker } from './member-tracker.js';
import { memberFromNode, onlyHealthScoreDiffers } from './members.js';

/** What one memberlist event said of an agent. */
export interface MemberObservation {
  readonly member: Member;
  /**
   * False when the event changed its health score and nothing else:
   * listeners are not told then. Any other event tells them, even one that
   * repeats what the tracker holds (the housekeeping sync may have recorded
   * a change before its event arrived).
   */
  readonly changed: boolean;
}

export interface GossipMembersOptions {
  readonly selfName: string;
  /** This agent's current tags (they change: the HTTP address once bound, raft state once there is some). */
  readonly selfTags: () => AgentTags;
  /** This agent before gossip runs and shows it. */
  readonly selfBeforeGossip: () => Member;
  readonly clock: Clock;
  /** How long failed and left members are remembered. */
  readonly reconnectTimeoutMs: number;
}

export class GossipMembers implements MemberView {
  readonly #o: GossipMembersOptions;
  readonly #tracker: MemberTracker;
  readonly #listeners = new Set<() => void>();

  constructor(options: GossipMembersOptions) {
    this.#o = options;
    this.#tracker = new MemberTracker(options.reconnectTimeoutMs);
  }

  self(): Member {
    const known = this.members().find((m) => m.name === this.#o.selfName);
    return known === undefined ? this.#o.selfBeforeGossip() : { ...known, tags: this.#o.selfTags() };
  }

  members(): Member[] {
    return this.#tracker.members(this.#o.clock.now());
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Records what a memberlist event says of `node` and tells the listeners, unless only its health score changed; undefined when `node` is not an agent. */
  observe(node: Node): MemberObservation | undefined {
    const member = memberFromNode(node);
    if (member === undefined) return undefined;
    const known = this.#tracker.get(member.name);
    this.#tracker.observe(member, this.#o.clock.now());
    const changed = known === undefined || !onlyHealthScoreDiffers(known, member);
    if (changed) for (const listener of this.#listeners) listener();
    return { member, changed };
  }

  /** Records every node memberlist knows, catching what events missed (this node's own join, before listeners exist). */
  sync(nodes: Iterable<Node>): void {
    const now = this.#o.clock.now();
    for (const node of nodes) {
      const member = memberFromNode(node);
      if (member !== undefined) this.#tracker.observe(member, now);
    }
  }
}
