import { type ConfigProfile } from '@shoal/memberlist';
import { runScenario } from '@shoal/memberlist/sim';
import { DEFAULT_SEED, fractionOption, intOption, parseOptions, SIM_OPTIONS, simOptions, type SimLimits, stopwatch } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';
import { interruptedExitCode, signalName, untilAborted } from '../interrupt.js';

const LIMITS: SimLimits = { defaultNodes: 10, minNodes: 1, maxNodes: 100_000, defaultDurationMs: 30_000, maxDurationMs: 24 * 3_600_000 };

const USAGE = `shoal sim memberlist [--nodes N] [--seed S] [--duration-ms D] [--loss P] [--kill K] [--slow K]
                      [--profile lan|wan|local] [--no-lifeguard] [--codec auto|bytes|frames]
                      [--start auto|join|warm] [--join-window-ms W] [--progress]

Runs a memberlist cluster of N members on the deterministic simulator for D
virtual milliseconds. Members join through member 0 (at random times in the
join window); once the cluster has converged, K random members are crashed
(--kill) and K others become slow (--slow: each message handled 0.5-2 s late).
--loss drops that fraction of datagrams on every link. --no-lifeguard runs
plain SWIM timing (health multiplier 1, suspicion max = min) to compare.

  --nodes N          members, ${LIMITS.minNodes} to ${LIMITS.maxNodes} (default ${LIMITS.defaultNodes})
  --seed S           an integer from 0 (default ${DEFAULT_SEED})
  --duration-ms D    virtual milliseconds, 1 to ${LIMITS.maxDurationMs} (default ${LIMITS.defaultDurationMs})
  --loss P           fraction of datagrams dropped, 0 to 1 (default 0)
  --kill K           members crashed after convergence, 0 to N-1 (default 0)
  --slow K           members made slow, 0 to N-1-K (default 0)
  --profile P        lan, wan or local timing (default lan)
  --codec C          auto, bytes or frames (default auto; see below)
  --start S          auto, join or warm (default auto; see below)
  --join-window-ms W members join at random times in [0, W) (default 5 ms
                     per member, at most 10000)

--codec bytes sends real encoded packets and streams through the whole wire
codec (compression, CRC); frames passes the messages as objects and counts
their uncompressed sizes (the fast path for large runs). --start warm begins
with every member knowing every other (no join storm). auto picks bytes and
join up to 500 members, frames up to 2,000, frames and warm above.

Prints one JSON object:
  {nodes, seed, trace_hash, converged_at_ms, kill_detected_ms, false_positives,
   bytes_per_node_per_s, wall_ms, ...details}
Times are virtual except wall_ms. The same arguments always give the same trace_hash.
SIGINT or SIGTERM stops the run at once: no result is printed, a line on stderr
says what was cut short, and the exit status is 130 (SIGINT) or 143 (SIGTERM).`;

const PROFILES = ['lan', 'wan', 'local'] as const;

export const simMemberlistCommand: Command = {
  name: 'sim memberlist',
  summary: 'run a memberlist cluster on the deterministic simulator: convergence, failure detection, false positives',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const values = parseOptions(args, {
      ...SIM_OPTIONS,
      loss: { type: 'string' },
      kill: { type: 'string' },
      slow: { type: 'string' },
      profile: { type: 'string' },
      'no-lifeguard': { type: 'boolean', default: false },
      codec: { type: 'string' },
      start: { type: 'string' },
      'join-window-ms': { type: 'string' },
      progress: { type: 'boolean', default: false },
    });
    const { nodes, seed, durationMs } = simOptions(values, LIMITS);
    const loss = fractionOption('loss', values.loss, 0);
    const kill = intOption('kill', values.kill, 0, 0, nodes - 1);
    const slow = intOption('slow', values.slow, 0, 0, nodes - 1 - kill);
    const profile = (values.profile ?? 'lan') as ConfigProfile;
    if (!PROFILES.includes(profile)) throw new UsageError(`--profile must be one of ${PROFILES.join(', ')}, got '${values.profile}'`);
    const codec = values.codec ?? 'auto';
    if (!['auto', 'bytes', 'frames'].includes(codec)) throw new UsageError(`--codec must be auto, bytes or frames, got '${codec}'`);
    const start = values.start ?? 'auto';
    if (!['auto', 'join', 'warm'].includes(start)) throw new UsageError(`--start must be auto, join or warm, got '${start}'`);
    const joinWindowMs = intOption('join-window-ms', values['join-window-ms'], undefined, 0);
    const frames = codec === 'frames' || (codec === 'auto' && nodes > 500);
    const warm = start === 'warm' || (start === 'auto' && nodes > 2_000);

    const elapsed = stopwatch();
    const run = await untilAborted(runScenario({
      nodes,
      seed,
      durationMs,
      loss,
      kill,
      slow,
      profile,
      lifeguard: !values['no-lifeguard'],
      frames,
      start: warm ? 'warm' : 'join',
      ...(joinWindowMs !== undefined ? { joinWindowMs } : {}),
      ...(values.progress ? { progress: (line: string) => io.err(`${line}\n`) } : {}),
    }), io.signal);
    const wall_ms = elapsed();
    if (!run.finished) {
      io.err(`shoal sim memberlist: stopped by ${signalName(io.signal)} after ${wall_ms} ms; the run of ${nodes} members, seed ${seed}, for ${durationMs} virtual ms was cut short (no result)\n`);
      return interruptedExitCode(io.signal);
    }
    const r = run.value;
    const { nodes: n, seed: s, trace_hash, converged_at_ms, kill_detected_ms, false_positives, bytes_per_node_per_s, ...details } = r;
    const line = { nodes: n, seed: s, trace_hash, converged_at_ms, kill_detected_ms, false_positives, bytes_per_node_per_s, wall_ms, codec: frames ? 'frames' : 'bytes', ...details };
    io.out(`${JSON.stringify(line)}\n`);
    return 0;
  },
};
