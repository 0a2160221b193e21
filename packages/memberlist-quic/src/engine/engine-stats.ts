// The engine's counters (QuicEngineStats): a zeroed set, and which of them
// are events worth a metric.
import type { QuicEngineStats } from './types.js';

/** Stats that are events worth a metric (not per packet). */
export type CountedStat = Exclude<keyof QuicEngineStats, 'packetsIn' | 'packetsOut' | 'datagramsIn' | 'datagramsOut' | 'connections' | 'pendingHandshakes'>;

export function newStats(): QuicEngineStats {
  return {
    packetsIn: 0, packetsOut: 0, droppedGarbage: 0, droppedUnknownCid: 0, droppedHandshakeLimit: 0, droppedConnectionLimit: 0, droppedUnsupportedVersion: 0,
    handshakesRefused: 0, handshakesFailed: 0, handshakesTimedOut: 0, connectionsAccepted: 0,
    connectionsDialled: 0, connectionsRefusedBacklog: 0, streamsRefused: 0, datagramsIn: 0,
    datagramsOut: 0, datagramsDropped: 0, socketErrors: 0, connections: 0, pendingHandshakes: 0,
  };
}
