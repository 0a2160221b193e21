export { NetTransport, type NetTransportConfig } from './net-transport.js';
export { createNetMemberlist } from './create.js';
export { finalAdvertiseAddress, firstPrivateIP, AdvertiseAddressError } from './advertise.js';
export { BindError } from './listeners.js';
