// @shoal/peerlist/testing: a fake peer transport for tests of code that uses
// a PeerList (yarpc's peer/x/... test transports). Not covered by semver.
export { FakeTransport, type FakeTransportOptions } from '../fake-transport.js';
