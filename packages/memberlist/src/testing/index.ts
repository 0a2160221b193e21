// @shoal/memberlist/testing: hostile traffic against a member on real sockets
// (idle connections, stalled giant frames, compression bombs, garbage), for
// resource-limit tests and soak runs. Not covered by semver: it may change in
// any release.
export { type Attack, idleConnections, stalledFrames, compressionBomb, sendPackets, garbage } from './hostile-peer.js';
