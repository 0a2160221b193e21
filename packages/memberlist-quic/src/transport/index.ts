/** memberlist's Transport over QUIC (issue 18 item 1). */
export { QuicTransport, type AppStreamHandler, type AppStreamInfo, type QuicConnectionInfo } from './quic-transport.js';
export { QUIC_TRANSPORT_DEFAULTS, type QuicTransportConfig, type QuicTransportTls } from './config.js';
export { ALPN_MEMBERLIST, ALPN_PREFERENCE, ALPN_SHOAL, encodePacketFrame, MAX_PACKET_FRAME, PacketFrameDecoder, StreamKind } from './framing.js';
export { compareDiallers, keepConnection, type Dialler } from './tie-break.js';
export { CloseCode } from './pool.js';
