import type { Clock, Timer } from '@shoal/kit';
import type { ListUpdates } from './peer-list.js';

/**
 * Member states as memberlist reports them: the names, or memberlist's
 * NodeStateType numbers (alive 0, suspect 1, dead 2, left 3), so a memberlist
 * Node satisfies MemberSnapshot as it is.
 */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left' | 0 | 1 | 2 | 3;

/** What the binding reads from a member. */
export interface MemberSnapshot {
  /** Stable identity across address changes. */
  readonly name: string;
  /** "host:port"; the default peer identifier. */
  readonly address: string;
  readonly state: MemberState;
}

export type MembershipEventType = 'join' | 'leave' | 'update';

/**
 * The part of a membership engine the binding consumes (a structural slice of
 * memberlist: its `members()` and typed `on(type, listener)` events, which
 * return an unsubscribe function). Events must arrive in order, as memberlist
 * guarantees.
 */
export interface MembershipSource {
  members(): readonly MemberSnapshot[];
  on(type: MembershipEventType, listener: (member: MemberSnapshot) => void): () => void;
}

/** Availability veto by peer id: MembershipGate, the transport in front of the list. */
export interface AvailabilityGate {
  markDown(id: string): void;
  markUp(id: string): void;
}

/** The part of a PeerList the binding drives. */
export interface UpdatableList {
  update(updates: ListUpdates): void;
}

export interface MemberlistBindingOptions {
  source: MembershipSource;
  list: UpdatableList;
  /** The list's transport (a MembershipGate): the binding marks dead members down through it. */
  gate: AvailabilityGate;
  /** Grace periods and batching run on this clock. */
  clock: Clock;
  /** How long a dead member stays in the list, unavailable, before removal (default 30 s, memberlist's GossipToTheDeadTime). */
  deadGraceMs?: number;
  /** Membership changes within this window go to the list as one update (default 10 ms). */
  batchWindowMs?: number;
  /** Peer identifier of a member (default its address). */
  peerId?: (member: MemberSnapshot) => string;
  /** Receives update failures (the list applied everything else). Default: ignored. */
  onError?: (error: unknown) => void;
}

interface Tracked {
  /** Peer id the member currently maps to. */
  readonly id: string;
  /** Dead, and waiting out the grace period. */
  dead: boolean;
  grace: Timer | undefined;
}

const STATE_BY_NUMBER = ['alive', 'suspect', 'dead', 'left'] as const;

function stateOf(member: MemberSnapshot): 'alive' | 'suspect' | 'dead' | 'left' {
  return typeof member.state === 'number' ? (STATE_BY_NUMBER[member.state] ?? 'dead') : member.state;
}

/**
 * Feeds a peer list from gossip membership:
 * - join (alive) → add; suspect → no change, stays available;
 * - left → marked down at once, removed with the next batch;
 * - dead → marked down (unavailable) at once, removed after `deadGraceMs`
 *   unless it comes back alive first;
 * - an address change → remove the old id and add the new one, in one update;
 * - a burst (e.g. a full state sync) → one update, after `batchWindowMs`.
 *
 * The member's state, not the event type, decides: memberlist's leave event
 * covers both dead and left, and join covers both new and returning members.
 * The binding never adds a present id or removes an absent one, because it
 * keeps what it has applied and sends only the difference.
 *
 * Start the list first, then the binding; stop the binding first. Stopping the
 * binding leaves the list's peers as they are.
 */
export class MemberlistBinding {
  readonly #source: MembershipSource;
  readonly #list: UpdatableList;
  readonly #gate: AvailabilityGate;
  readonly #clock: Clock;
  readonly #graceMs: number;
  readonly #batchMs: number;
  readonly #peerId: (member: MemberSnapshot) => string;
  readonly #onError: (error: unknown) => void;

  readonly #members = new Map<string, Tracked>();
  /** Members mapping to each id (normally one; a misconfiguration can share an address). */
  readonly #owners = new Map<string, Set<string>>();
  /** Ids that should be in the list, and ids the list has been given. */
  readonly #desired = new Set<string>();
  readonly #applied = new Set<string>();
  #batch: Timer | undefined;
  #unsubscribe: (() => void)[] = [];
  #updates = 0;

  constructor(options: MemberlistBindingOptions) {
    this.#source = options.source;
    this.#list = options.list;
    this.#gate = options.gate;
    this.#clock = options.clock;
    this.#graceMs = options.deadGraceMs ?? 30_000;
    this.#batchMs = options.batchWindowMs ?? 10;
    this.#peerId = options.peerId ?? ((m) => m.address);
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * Subscribes, then applies the current members as one update, synchronously.
   * Members tracked from an earlier run that are no longer listed are dropped.
   */
  start(): void {
    if (this.#unsubscribe.length > 0) return;
    const observe = (m: MemberSnapshot): void => this.#observe(m);
    this.#unsubscribe = (['join', 'leave', 'update'] as const).map((type) => this.#source.on(type, observe));
    const snapshot = this.#source.members();
    const listed = new Set(snapshot.map((m) => m.name));
    for (const [name, tracked] of [...this.#members]) if (!listed.has(name)) this.#drop(name, tracked);
    for (const member of snapshot) this.#observe(member);
    this.flush();
  }

  /** Unsubscribes and cancels timers; the list keeps its peers. */
  stop(): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#batch?.cancel();
    this.#batch = undefined;
    // A member still dead at the next start() gets a fresh grace period then.
    for (const t of this.#members.values()) {
      t.grace?.cancel();
      t.grace = undefined;
    }
  }

  /** Updates sent to the list so far. */
  get updateCount(): number {
    return this.#updates;
  }

  /** Sends the pending difference to the list now (also what the batch timer does). */
  flush(): void {
    this.#batch?.cancel();
    this.#batch = undefined;
    const removals = [...this.#applied].filter((id) => !this.#desired.has(id));
    const additions = [...this.#desired].filter((id) => !this.#applied.has(id));
    if (removals.length === 0 && additions.length === 0) return;
    for (const id of removals) this.#applied.delete(id);
    for (const id of additions) this.#applied.add(id);
    this.#updates++;
    try {
      this.#list.update({ additions, removals });
    } catch (error) {
      this.#onError(error);
    }
    // A removed id is gone from the list; a later add of it must start available.
    for (const id of removals) if (!this.#desired.has(id)) this.#gate.markUp(id);
  }

  #observe(member: MemberSnapshot): void {
    const state = stateOf(member);
    const name = member.name;
    const tracked = this.#members.get(name);
    if (state === 'alive' || state === 'suspect') {
      const id = this.#peerId(member);
      if (tracked !== undefined && tracked.id !== id) this.#drop(name, tracked); // address change
      let current = this.#members.get(name);
      if (current === undefined) {
        current = { id, dead: false, grace: undefined };
        this.#members.set(name, current);
        const owners = this.#owners.get(id) ?? new Set<string>();
        owners.add(name);
        this.#owners.set(id, owners);
      }
      current.dead = false; // back from the dead within the grace period, if it was
      current.grace?.cancel();
      current.grace = undefined;
      this.#refresh(id);
    } else if (tracked !== undefined) {
      if (state === 'left') {
        this.#drop(name, tracked);
      } else if (tracked.grace === undefined) {
        tracked.dead = true;
        tracked.grace = this.#clock.after(this.#graceMs, () => {
          tracked.grace = undefined;
          this.#drop(name, tracked);
        });
        this.#refresh(tracked.id);
      }
    }
  }

  /** Stops tracking a member; its id leaves the list with the next flush unless another member holds it. */
  #drop(name: string, tracked: Tracked): void {
    tracked.grace?.cancel();
    tracked.grace = undefined;
    this.#members.delete(name);
    const owners = this.#owners.get(tracked.id);
    owners?.delete(name);
    if (owners?.size === 0) this.#owners.delete(tracked.id);
    this.#refresh(tracked.id);
  }

  /**
   * Derives an id's membership and availability from its members: in the list
   * while any member holds it; down while every holder is dead, or while it
   * waits to be removed (so no new request goes to it meanwhile).
   */
  #refresh(id: string): void {
    const owners = this.#owners.get(id);
    if (owners === undefined) {
      this.#desired.delete(id);
      if (this.#applied.has(id)) this.#gate.markDown(id);
      else this.#gate.markUp(id);
    } else {
      this.#desired.add(id);
      if ([...owners].every((n) => this.#members.get(n)!.dead)) this.#gate.markDown(id);
      else this.#gate.markUp(id);
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#batch === undefined) this.#batch = this.#clock.after(this.#batchMs, () => this.flush());
  }
}
