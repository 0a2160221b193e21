package main

import (
	"net"

	quic "github.com/lucas-clemente/quic-go"
)

// streamConn presents a bidirectional QUIC stream as the net.Conn memberlist
// reads and writes. Close ends our sending side only (FIN), as the reference
// does; the peer's side ends with its own FIN.
type streamConn struct {
	quic.Stream
	conn quic.Connection
}

func (s *streamConn) LocalAddr() net.Addr  { return s.conn.LocalAddr() }
func (s *streamConn) RemoteAddr() net.Addr { return s.conn.RemoteAddr() }
