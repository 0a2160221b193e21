// The servers of the round-trip rows (round-trips.ts startServers: UDP echo,
// TCP+TLS echo and sink, QUIC echo and sink) in a process of their own, for
// the per-process layout. Driven over the IPC channel of child_process.fork:
//   in:  {ca, certPem, keyPem} first, then 'cost' | 'exit'
//   out: {udpPort, tlsPort, quicPort} once ready; {cpuUs, udpSent, quicPackets} per 'cost'
import { startServers, type Servers } from './round-trips.js';

let servers: Servers | undefined;

process.on('message', (m: unknown) => {
  if (typeof m === 'object' && m !== null && servers === undefined) {
    const { ca, certPem, keyPem } = m as { ca: string; certPem: string; keyPem: string };
    void startServers({ certPem: ca, keyPem: '' }, { certPem, keyPem }).then((s) => {
      servers = s;
      process.send!({ udpPort: s.udpPort, tlsPort: s.tlsPort, quicPort: s.quicPort });
    });
  } else if (m === 'cost' && servers !== undefined) {
    const c = process.cpuUsage();
    process.send!({ cpuUs: c.user + c.system, udpSent: servers.udpSent(), quicPackets: servers.quicPackets() });
  } else if (m === 'exit') {
    void (servers?.close() ?? Promise.resolve()).then(() => process.exit(0));
  }
});
