export * from './errors.js';
export * from './transport.js';
export * from './ref-counted-transport.js';
export type { Implementation, ImplementationHost, ListPeer } from './implementation.js';
export type { Chosen } from './peer-facade.js';
export { PeerList, type PeerListOptions, type ChooseOptions, type ListUpdates, type ChooserStatus } from './peer-list.js';
export { RoundRobin, roundRobin } from './round-robin.js';
export { RandomPeer, randomPeer } from './random-peer.js';
export type { RandomOptions } from './random-options.js';
export { TwoRandomChoices, twoRandomChoices } from './two-random-choices.js';
export { PendingHeap, pendingHeap } from './pending-heap.js';
export { FewestPending, fewestPending } from './fewest-pending.js';
export { HashRing, hashRing, hashString, type HashRingOptions } from './hash-ring.js';
export { PeakEwma, peakEwma, type PeakEwmaOptions } from './peak-ewma.js';
export { OutlierEjection, outlierEjection, type OutlierEjectionOptions } from './outlier-ejection.js';
export { MembershipGate, GatedPeer } from './membership-gate.js';
export {
  MemberlistBinding,
  type MemberlistBindingOptions,
  type MembershipSource,
  type MemberSnapshot,
  type MemberState,
  type MembershipEventType,
  type AvailabilityGate,
  type UpdatableList,
} from './memberlist-binding.js';
export {
  HealthServiceSource,
  HealthSourceError,
  HealthSourceErrorCode,
  parseHealthService,
  type HealthServiceSourceOptions,
  type HealthSourceStats,
  type HealthFetch,
  type HealthResponse,
  type ServiceInstance,
} from './health-source.js';
export { PeerDispatcher, PeerStatusError, type PeerDispatcherOptions, type ChoosingList } from './peer-dispatcher.js';
