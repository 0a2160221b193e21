/**
 * What a deleteRange means for a gap-free log [first, last]. Raft deletes
 * only from the head (compaction after a snapshot) or from the tail
 * (conflicting entries); a hole in the middle is refused.
 */
import { RaftInvariantError } from '../../errors.js';

export type DeletePlan =
  | { kind: 'none' }
  | { kind: 'all' }
  | { kind: 'head'; newFirst: number }
  | { kind: 'tail'; newLast: number };

/** `first` and `last` are 0 for an empty log. */
export function planDelete(first: number, last: number, min: number, max: number): DeletePlan {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) throw new RangeError(`deleteRange(${min}, ${max}): indexes must be integers`);
  if (last === 0 || max < min || max < first || min > last) return { kind: 'none' };
  if (min <= first && max >= last) return { kind: 'all' };
  if (min <= first) return { kind: 'head', newFirst: max + 1 };
  if (max >= last) return { kind: 'tail', newLast: min - 1 };
  throw new RaftInvariantError(`wal: deleteRange(${min}, ${max}) would leave a hole in [${first}, ${last}]; only head or tail ranges can be deleted`);
}
