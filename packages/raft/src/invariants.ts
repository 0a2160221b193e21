/**
 * Raft's safety properties (Raft paper, Figure 3) as checks a test or the
 * simulator runs against a whole cluster while it runs:
 *  - election safety: at most one leader per term;
 *  - log matching: two logs with an entry of the same index and term hold
 *    the same entry there and agree on every earlier entry;
 *  - leader completeness: a leader holds every entry applied anywhere
 *    before it was elected;
 *  - state machine safety: no two servers apply different entries at one index.
 * and the invariants each node asserts in its own code (`internal`: a node
 * that fails one stops; the harness records which and why).
 * Violations are collected (not thrown) so a run can report all of them.
 */
import { crc32 } from '@shoal/kit';
import type { Log } from './log.js';

export type InvariantKind = 'election-safety' | 'log-matching' | 'leader-completeness' | 'state-machine-safety' | 'internal';

export interface InvariantViolation {
  kind: InvariantKind;
  message: string;
}

/** What the checker needs to know of one server's log at a moment. */
export interface LogView {
  id: string;
  /** Stored entries, ascending by index (may start after a snapshot). */
  entries: readonly Log[];
  /** Last index covered by the server's snapshot (its entries are no longer listed). */
  snapshotIndex: number;
  /** Last index of the log or snapshot. */
  lastIndex: number;
}

function fingerprint(log: Log): string {
  return `${log.term}/${log.type}/${log.data.length}/${crc32(log.data)}`;
}

interface AppliedRecord {
  print: string;
  by: string;
  /** Event counter when first applied anywhere. */
  at: number;
}

export class InvariantChecker {
  readonly violations: InvariantViolation[] = [];
  readonly #leaders = new Map<number, string>();
  /** Leader ID → the event counter when it was elected, for the current term. */
  readonly #elected = new Map<string, { term: number; at: number }>();
  readonly #applied = new Map<number, AppliedRecord>();
  #events = 0;
  /** Distinct (term, leader) pairs seen. */
  elections = 0;
  /** Stop recording after this many violations (a broken run reports the first ones). */
  readonly maxViolations: number;

  constructor(maxViolations = 50) {
    this.maxViolations = maxViolations;
  }

  get ok(): boolean {
    return this.violations.length === 0;
  }

  #violate(kind: InvariantKind, message: string): void {
    if (this.violations.length < this.maxViolations) this.violations.push({ kind, message });
  }

  /** A server became leader of `term`. */
  recordLeader(id: string, term: number): void {
    this.#events++;
    const existing = this.#leaders.get(term);
    if (existing === undefined) {
      this.#leaders.set(term, id);
      this.elections++;
    } else if (existing !== id) this.#violate('election-safety', `term ${term} has two leaders: ${existing} and ${id}`);
    this.#elected.set(id, { term, at: this.#events });
  }

  /** A server's FSM applied `log`. */
  recordApplied(id: string, log: Log): void {
    this.#events++;
    const print = fingerprint(log);
    const existing = this.#applied.get(log.index);
    if (existing === undefined) this.#applied.set(log.index, { print, by: id, at: this.#events });
    else if (existing.print !== print) {
      this.#violate('state-machine-safety', `index ${log.index}: ${existing.by} applied ${existing.print}, ${id} applied ${print}`);
    }
  }

  /** A node's own invariant check failed (it has stopped). */
  recordInternal(id: string, err: Error): void {
    this.#violate('internal', `${id}: ${err.message}`);
  }

  /** Forgets applied records (after a deliberate user restore rewrites history). */
  resetApplied(): void {
    this.#applied.clear();
  }

  /** Log matching across all servers, and leader completeness for current leaders. */
  checkLogs(views: readonly LogView[], leaders: readonly { id: string; term: number }[] = []): void {
    const byIndex = new Map<number, Map<number, { print: string; id: string }>>();
    const maps = new Map<string, Map<number, string>>();
    for (const v of views) {
      const m = new Map<number, string>();
      for (const e of v.entries) {
        const print = fingerprint(e);
        m.set(e.index, print);
        let terms = byIndex.get(e.index);
        if (terms === undefined) byIndex.set(e.index, (terms = new Map()));
        const other = terms.get(e.term);
        if (other === undefined) terms.set(e.term, { print, id: v.id });
        else if (other.print !== print) this.#violate('log-matching', `index ${e.index} term ${e.term}: ${other.id} has ${other.print}, ${v.id} has ${print}`);
      }
      maps.set(v.id, m);
    }
    // Prefix agreement: below the highest index where two logs agree on the term, they agree everywhere both hold entries.
    for (let a = 0; a < views.length; a++) {
      for (let b = a + 1; b < views.length; b++) {
        const va = views[a]!;
        const vb = views[b]!;
        const ma = maps.get(va.id)!;
        const mb = maps.get(vb.id)!;
        let highestMatch = 0;
        for (const [i, pa] of ma) {
          const pb = mb.get(i);
          if (pb !== undefined && pb.split('/')[0] === pa.split('/')[0] && i > highestMatch) highestMatch = i;
        }
        for (const [i, pa] of ma) {
          if (i >= highestMatch) continue;
          const pb = mb.get(i);
          if (pb !== undefined && pb !== pa) {
            this.#violate('log-matching', `${va.id} and ${vb.id} agree at ${highestMatch} but differ at ${i} (${pa} vs ${pb})`);
            break;
          }
        }
      }
    }
    for (const { id, term } of leaders) {
      const view = views.find((v) => v.id === id);
      const elected = this.#elected.get(id);
      if (view === undefined || elected === undefined || elected.term !== term) continue;
      const m = maps.get(id)!;
      for (const [index, rec] of this.#applied) {
        if (rec.at > elected.at) continue;
        if (index <= view.snapshotIndex) continue;
        const print = m.get(index);
        if (print === undefined) {
          if (index > view.lastIndex) this.#violate('leader-completeness', `leader ${id} (term ${term}) lacks committed entry ${index} (its log ends at ${view.lastIndex})`);
        } else if (print !== rec.print) {
          this.#violate('leader-completeness', `leader ${id} (term ${term}) has ${print} at ${index}, committed was ${rec.print}`);
        }
      }
    }
  }
}
