package main

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
	quic "github.com/lucas-clemente/quic-go"
)

const (
	// maxFramedPacket is the largest packet a unidirectional stream may carry.
	maxFramedPacket = 65536
	// maxDatagramPayload: quic-go 0.29 checks a datagram only against the
	// peer's advertised frame size (quiche's: 65536), and closes the
	// connection with INTERNAL_ERROR "PacketPacker BUG: packet too large" if
	// it does not fit the current packet size, 1252 bytes until path MTU
	// discovery raises it. 1200 always fits; larger packets take the stream
	// fallback, as DatagramTooLargeError makes the reference do on later
	// quic-go versions.
	maxDatagramPayload = 1200
)

// quicTransport is a memberlist.Transport speaking the Go
// reference's protocol: packets as datagrams, or one unidirectional stream
// [u32 big-endian length][payload] each when datagrams are off or the packet
// is too large; memberlist streams as raw bidirectional streams.
type quicTransport struct {
	udp      *net.UDPConn
	listener quic.Listener
	tlsConf  *tls.Config
	quicConf *quic.Config
	pool     *connPool
	packetCh chan *memberlist.Packet
	streamCh chan net.Conn
	ctx      context.Context
	cancel   context.CancelFunc
	counts   *counters
}

func newQuicTransport(bind string, tlsConf *tls.Config, quicConf *quic.Config, counts *counters) (*quicTransport, error) {
	laddr, err := resolveUDP(bind)
	if err != nil {
		return nil, err
	}
	udp, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, err
	}
	listener, err := quic.Listen(udp, tlsConf, quicConf)
	if err != nil {
		udp.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &quicTransport{
		udp: udp, listener: listener, tlsConf: tlsConf, quicConf: quicConf,
		packetCh: make(chan *memberlist.Packet, 256), streamCh: make(chan net.Conn, 16),
		ctx: ctx, cancel: cancel, counts: counts,
	}
	t.pool = &connPool{entries: map[string]*poolEntry{}, dial: t.dial, serve: t.serve}
	go t.accept()
	return t, nil
}

func (t *quicTransport) port() int { return t.udp.LocalAddr().(*net.UDPAddr).Port }

// dial leaves from the listening socket, so the peer keys us by our listen address.
func (t *quicTransport) dial(ctx context.Context, addr string) (quic.Connection, error) {
	raddr, err := resolveUDP(addr)
	if err != nil {
		return nil, err
	}
	conf := t.tlsConf.Clone()
	conf.ServerName = raddr.IP.String() // checked against the peer's IP SANs
	t.counts.add("quic.dial", 1)
	return quic.DialContext(ctx, t.udp, raddr, conf.ServerName, conf, t.quicConf)
}

func (t *quicTransport) accept() {
	for {
		conn, err := t.listener.Accept(t.ctx)
		if err != nil {
			return
		}
		t.counts.add("quic.accepted", 1)
		t.pool.addInbound(conn)
	}
}

func (t *quicTransport) serve(conn quic.Connection) {
	go t.receiveDatagrams(conn)
	go t.acceptPacketStreams(conn)
	for {
		stream, err := conn.AcceptStream(t.ctx)
		if err != nil {
			return
		}
		select {
		case t.streamCh <- &streamConn{Stream: stream, conn: conn}:
		case <-t.ctx.Done():
			return
		}
	}
}

func (t *quicTransport) receiveDatagrams(conn quic.Connection) {
	for {
		buf, err := conn.ReceiveMessage()
		if err != nil {
			return
		}
		t.counts.add("quic.packet.received.datagram", 1)
		t.deliver(buf, conn.RemoteAddr())
	}
}

func (t *quicTransport) acceptPacketStreams(conn quic.Connection) {
	for {
		stream, err := conn.AcceptUniStream(t.ctx)
		if err != nil {
			return
		}
		go t.readPacketStream(stream, conn.RemoteAddr())
	}
}

func (t *quicTransport) readPacketStream(stream quic.ReceiveStream, from net.Addr) {
	defer stream.CancelRead(0)
	var header [4]byte
	if _, err := io.ReadFull(stream, header[:]); err != nil {
		t.counts.add("quic.packet.dropped.truncated", 1)
		return
	}
	n := binary.BigEndian.Uint32(header[:])
	if n > maxFramedPacket {
		t.counts.add("quic.packet.dropped.too-large", 1)
		return
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(stream, buf); err != nil {
		t.counts.add("quic.packet.dropped.truncated", 1)
		return
	}
	t.counts.add("quic.packet.received.stream", 1)
	t.deliver(buf, from)
}

func (t *quicTransport) deliver(buf []byte, from net.Addr) {
	select {
	case t.packetCh <- &memberlist.Packet{Buf: buf, From: from, Timestamp: time.Now()}:
	case <-t.ctx.Done():
	}
}

// ---- memberlist.Transport ----

func (t *quicTransport) FinalAdvertiseAddr(ip string, port int) (net.IP, int, error) {
	if ip == "" {
		ip = t.udp.LocalAddr().(*net.UDPAddr).IP.String()
	}
	parsed := net.ParseIP(ip)
	if parsed == nil {
		return nil, 0, fmt.Errorf("failed to parse advertise address %q", ip)
	}
	if port == 0 {
		port = t.port()
	}
	return parsed, port, nil
}

func (t *quicTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	now := time.Now()
	conn, err := t.pool.getOrDial(t.ctx, addr)
	if err != nil {
		return now, err
	}
	// quic-go 0.29's SupportsDatagrams is the peer's offer only; a node that
	// turned datagrams off sends none either.
	if t.quicConf.EnableDatagrams && conn.ConnectionState().SupportsDatagrams && len(b) <= maxDatagramPayload {
		err = conn.SendMessage(b)
		if err == nil {
			t.counts.add("quic.packet.sent.datagram", 1)
			return now, nil
		}
		// quic-go 0.29 says "message too large" when the peer's frame limit is smaller.
		if err.Error() != "message too large" {
			return now, err
		}
	}
	return now, t.sendPacketStream(conn, b)
}

func (t *quicTransport) sendPacketStream(conn quic.Connection, b []byte) error {
	ctx, cancel := context.WithTimeout(t.ctx, 5*time.Second)
	defer cancel()
	stream, err := conn.OpenUniStreamSync(ctx)
	if err != nil {
		return err
	}
	frame := make([]byte, 4+len(b))
	binary.BigEndian.PutUint32(frame, uint32(len(b)))
	copy(frame[4:], b)
	if _, err := stream.Write(frame); err != nil {
		stream.CancelWrite(0)
		return err
	}
	t.counts.add("quic.packet.sent.stream", 1)
	return stream.Close()
}

func (t *quicTransport) PacketCh() <-chan *memberlist.Packet { return t.packetCh }

func (t *quicTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	conn, err := t.pool.getOrDial(t.ctx, addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(t.ctx, timeout)
	defer cancel()
	stream, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return nil, err
	}
	_ = stream.SetDeadline(time.Now().Add(timeout))
	return &streamConn{Stream: stream, conn: conn}, nil
}

func (t *quicTransport) StreamCh() <-chan net.Conn { return t.streamCh }

func (t *quicTransport) Shutdown() error {
	_ = t.listener.Close()
	t.pool.closeAll("transport shutdown")
	t.cancel()
	return t.udp.Close()
}

// counters are the transport's observations, reported by the "stats" command.
type counters struct {
	mu sync.Mutex
	m  map[string]float64
}

func (c *counters) add(name string, n float64) {
	c.mu.Lock()
	c.m[name] += n
	c.mu.Unlock()
}

func (c *counters) snapshot(into map[string]float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range c.m {
		into[k] = v
	}
}

var _ memberlist.Transport = (*quicTransport)(nil)
