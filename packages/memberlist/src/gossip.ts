import type { EngineContext } from './context.js';
import type { Outbox } from './outbox.js';
import { kRandomIndexes } from './util.js';
import { COMPOUND_PART_OVERHEAD } from './wire/compound.js';
import { NodeStateType } from './wire/types.js';

/**
 * One gossip round (Go's gossip, spec §5.1): GossipNodes random members —
 * alive, suspect, or dead for less than GossipToTheDeadTime, so the dead can
 * still hear and refute — each get their own fill of queued broadcasts.
 */
export function gossipRound(ctx: EngineContext, outbox: Outbox): void {
  // Go picks targets first and then finds nothing to send; skipping that changes no message.
  if (ctx.broadcasts.numQueued() === 0 && !ctx.config.delegate) return;
  const t = ctx.state.table;
  const me = ctx.config.name;
  const now = ctx.clock.now();
  const deadWindow = ctx.config.gossipToTheDeadTimeMs;
  const targets = kRandomIndexes(ctx.random, ctx.config.gossipNodes, t.length, (i) => {
    if (t.name(i) === me) return true;
    const s = t.state(i);
    if (s === NodeStateType.Alive || s === NodeStateType.Suspect) return false;
    if (s === NodeStateType.Dead) return now - t.stateChangeMs(i) > deadWindow;
    return true;
  }).map((i) => t.info(i));
  const budget = outbox.gossipBudget;
  for (const node of targets) {
    const parts = outbox.broadcasts(COMPOUND_PART_OVERHEAD, budget);
    if (parts.length === 0) return;
    try {
      outbox.sendParts(node.fullAddress, node, parts);
    } catch (err) {
      ctx.logger.error({ err, to: node.name }, 'memberlist: failed to send gossip');
    }
  }
}
