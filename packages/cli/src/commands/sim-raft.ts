import { writeFileSync } from 'node:fs';
import { findKvChecker, runRaftSimulation } from '@shoal/raft/sim';
import { DEFAULT_SEED, intOption, parseOptions, SIM_OPTIONS, simOptions, type SimLimits, stopwatch } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { interruptedExitCode, signalName, untilAborted } from '../interrupt.js';

const LIMITS: SimLimits = { defaultNodes: 3, minNodes: 1, maxNodes: 9, defaultDurationMs: 5000, maxDurationMs: 3_600_000 };
const SEEDS = { default: 1, max: 1_000_000 };
const CLIENTS = { default: 4, max: 64 };

const USAGE = `shoal sim raft [--nodes N] [--seed S] [--duration-ms D] [--chaos] [--seeds K] [--clients C] [--history FILE] [--exact-checks]
                [--parallel-append]

Runs a raft cluster on the deterministic simulator: durable stores on
simulated disks, clients running a key-value workload, and with --chaos random
partitions, message loss, delay, reordering and duplication, crashes and
restarts, leadership transfers, membership changes and snapshots. Raft's
safety invariants are checked throughout; the client history is checked for
linearizability at the end.

  --nodes N        servers, ${LIMITS.minNodes} to ${LIMITS.maxNodes} (default ${LIMITS.defaultNodes})
  --seed S         the first seed, an integer from 0 (default ${DEFAULT_SEED})
  --duration-ms D  virtual milliseconds of workload, 1 to ${LIMITS.maxDurationMs} (default ${LIMITS.defaultDurationMs})
  --seeds K        runs seeds S, S+1, ... S+K-1, 1 to ${SEEDS.max} (default ${SEEDS.default})
  --clients C      concurrent clients, 1 to ${CLIENTS.max} (default ${CLIENTS.default})
  --history FILE   write the last run's client history there (default: not written)

Prints one JSON object per run:
  {seed, trace_hash, ops_ok, ops_failed, ops_unknown, elections,
   linearizable, invariant_violations, torn_tails, segments_reused, wall_ms}
(torn_tails: restarts that cut a torn write off a log; segments_reused: log
segments that reused a file a compaction had freed)
Exits 1 if any run broke an invariant, was not linearizable, or did not
converge once healed. The same seed always gives the same trace_hash.
--history writes the history of the last run (the \`shoal lincheck\` file format).
SIGINT or SIGTERM stops at once: the runs that finished are printed, a line on
stderr says what was cut short, and the exit status is 130 (SIGINT) or 143
(SIGTERM), or 1 if a finished run failed.
--exact-checks makes each server check exactly that every change to its state
runs in its serial task (about 1.5x slower; without it, changes made while no
task runs are caught).
--parallel-append runs every server with config.parallelAppend (the leader
replicates entries while it writes them).`;

export const simRaftCommand: Command = {
  name: 'sim raft',
  summary: 'run a raft cluster on the deterministic simulator (optionally with chaos) and check it',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const values = parseOptions(args, {
      ...SIM_OPTIONS,
      chaos: { type: 'boolean', default: false },
      seeds: { type: 'string' },
      clients: { type: 'string' },
      history: { type: 'string' },
      'exact-checks': { type: 'boolean', default: false },
      'parallel-append': { type: 'boolean', default: false },
    });
    const { nodes, seed, durationMs } = simOptions(values, LIMITS);
    const count = intOption('seeds', values.seeds, SEEDS.default, 1, SEEDS.max);
    const clients = intOption('clients', values.clients, CLIENTS.default, 1, CLIENTS.max);
    const settings: RunSettings = { nodes, seed, durationMs, count, clients, chaos: values.chaos === true, history: values.history, exactChecks: values['exact-checks'] === true, parallelAppend: values['parallel-append'] === true };
    // A simulation waiting on something no event will ever bring would let the
    // process exit silently with status 0: make that a loud failure.
    let finished = false;
    const stalled = (): void => {
      if (finished) return;
      io.err('shoal sim raft: the simulation stalled (nothing left to run while waiting)\n');
      process.exitCode = 1;
    };
    process.once('beforeExit', stalled);
    try {
      return await runSeeds(settings, io);
    } finally {
      finished = true;
      process.off('beforeExit', stalled);
    }
  },
};

interface RunSettings {
  nodes: number;
  seed: number;
  durationMs: number;
  count: number;
  clients: number;
  chaos: boolean;
  history: string | undefined;
  exactChecks: boolean;
  parallelAppend: boolean;
}

/** Runs the seeds one after another, one JSON line each; 1 if any run went wrong. */
async function runSeeds(settings: RunSettings, io: CommandIO): Promise<number> {
  const checker = findKvChecker();
  let failures = 0;
  for (let i = 0; i < settings.count; i++) {
    const elapsed = stopwatch();
    const run = await untilAborted(
      runRaftSimulation({ nodes: settings.nodes, seed: settings.seed + i, durationMs: settings.durationMs, chaos: settings.chaos, clients: settings.clients, checkHistory: checker, exactTaskChecks: settings.exactChecks, ...(settings.parallelAppend ? { config: { parallelAppend: true } } : {}) }),
      io.signal,
    );
    if (!run.finished) {
      const done = i === 0 ? '' : ` (seeds ${settings.seed} to ${settings.seed + i - 1}${failures > 0 ? `, ${failures} failed` : ''})`;
      io.err(`shoal sim raft: stopped by ${signalName(io.signal)} after ${i} of ${settings.count} runs${done}; the run of seed ${settings.seed + i} was cut short after ${elapsed()} ms\n`);
      return failures > 0 ? 1 : interruptedExitCode(io.signal);
    }
    const r = run.value;
    const line = {
      seed: r.seed,
      trace_hash: r.trace_hash,
      ops_ok: r.ops_ok,
      ops_failed: r.ops_failed,
      ops_unknown: r.ops_unknown,
      elections: r.elections,
      linearizable: r.linearizable,
      invariant_violations: r.invariant_violations,
      torn_tails: r.torn_tails,
      segments_reused: r.segments_reused,
      wall_ms: elapsed(),
    };
    io.out(`${JSON.stringify(line)}\n`);
    if (r.invariant_violations > 0 || r.linearizable === false || !r.converged) {
      failures++;
      if (r.violations.length > 0) io.err(`seed ${r.seed}: ${r.violations.map((v) => `${v.kind}: ${v.message}`).join('; ')}\n`);
      if (!r.converged) io.err(`seed ${r.seed}: the cluster did not converge after healing\n`);
      if (r.linearizable === false) io.err(`seed ${r.seed}: history is not linearizable (write it with --history and run shoal lincheck)\n`);
    }
    if (settings.history !== undefined && i === settings.count - 1) writeFileSync(settings.history, `${JSON.stringify(r.history)}\n`);
  }
  return failures > 0 ? 1 : 0;
}
