package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/ioutil"
	"log"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// tlsStreamLayer carries raft's unchanged wire inside mutual TLS, as `shoal
// raft --tls-*` does: both sides present a certificate chaining to one CA and
// verify the other's. Go raft ships no TLS layer; this is the usual
// StreamLayer an embedding program writes.
type tlsStreamLayer struct {
	inner     net.Listener
	advertise net.Addr
	config    *tls.Config
	accepted  chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

func loadTLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	caPEM, err := ioutil.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		RootCAs:      roots,
		ClientCAs:    roots,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

func newTLSStreamLayer(bind string, advertise net.Addr, config *tls.Config) (*tlsStreamLayer, error) {
	inner, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, err
	}
	layer := &tlsStreamLayer{inner: inner, advertise: advertise, config: config, accepted: make(chan net.Conn), closed: make(chan struct{})}
	if layer.advertise == nil {
		layer.advertise = inner.Addr()
	}
	if tcp, ok := layer.advertise.(*net.TCPAddr); !ok || tcp.IP == nil || tcp.IP.IsUnspecified() {
		inner.Close()
		return nil, errors.New("the TLS listener needs an advertisable address (give --advertise)")
	}
	go layer.handshakeAll(inner)
	return layer, nil
}

// handshakeAll completes each inbound handshake in its own goroutine (so a
// slow peer never holds up the others) and queues the connections that
// succeed; a peer with the wrong CA is refused here with the reason logged,
// rather than surfacing as a garbled first RPC.
func (l *tlsStreamLayer) handshakeAll(inner net.Listener) {
	defer close(l.accepted)
	for {
		conn, err := inner.Accept()
		if err != nil {
			return // closed
		}
		go func(conn *tls.Conn) {
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			if err := conn.Handshake(); err != nil {
				log.Printf("raft-node: TLS handshake with %s failed: %v", conn.RemoteAddr(), err)
				conn.Close()
				return
			}
			conn.SetDeadline(time.Time{})
			select {
			case l.accepted <- conn:
			case <-l.closed:
				conn.Close()
			}
		}(tls.Server(conn, l.config))
	}
}

func (l *tlsStreamLayer) Accept() (net.Conn, error) {
	select {
	case conn := <-l.accepted:
		if conn != nil {
			return conn, nil
		}
	case <-l.closed:
	}
	return nil, errors.New("TLS listener closed")
}

func (l *tlsStreamLayer) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.inner.Close()
}

func (l *tlsStreamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: timeout}, "tcp", string(address), l.config)
	if err != nil {
		return nil, fmt.Errorf("TLS handshake with %s failed: %v", address, err)
	}
	return conn, nil
}

func (l *tlsStreamLayer) Addr() net.Addr {
	return l.advertise
}
