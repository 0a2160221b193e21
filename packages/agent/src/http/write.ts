// Writes from handlers: through the replicator, with raft's failures turned
// into Consul's "No cluster leader".
import { ShoalError } from '@shoal/kit';
import { NoLeaderError, StateError } from '../errors.js';
import type { Command } from '../state/commands.js';
import type { ApiRequest } from './api.js';
import type { ApiContext } from './context.js';

export async function write(ctx: ApiContext, req: ApiRequest, command: Command): Promise<unknown> {
  try {
    return (await ctx.replicator.write(command, { signal: req.signal })).result;
  } catch (error) {
    if (error instanceof StateError || !(error instanceof ShoalError)) throw error;
    throw error.code === 'ERR_NO_LEADER' ? error : new NoLeaderError(`No cluster leader (${error.message})`, { cause: error });
  }
}
