package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/ioutil"
	"net"

	quic "github.com/lucas-clemente/quic-go"
	"github.com/lucas-clemente/quic-go/logging"
)

// alpn is the Go reference's only application protocol.
const alpn = "memberlist-quic/1"

// loadMutualTLS builds the reference's mutual-TLS configuration from PEM
// files: one CA pool both to verify servers and to require and verify client
// certificates, TLS 1.3 only.
func loadMutualTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load %s/%s: %w", certFile, keyFile, err)
	}
	caPEM, err := ioutil.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS13,
		NextProtos:   []string{alpn},
	}, nil
}

// closeTracer reports every connection closed with a QUIC transport error,
// whichever side raised it: quic-go gives no other hook where a refused
// handshake (CRYPTO_ERROR 0x100+alert) is seen on the listening side.
type closeTracer struct {
	logging.NullTracer
	report func(peer string, local bool, code uint64, reason string)
}

func (t *closeTracer) TracerForConnection(_ context.Context, p logging.Perspective, _ logging.ConnectionID) logging.ConnectionTracer {
	role := "server"
	if p == logging.PerspectiveClient {
		role = "client"
	}
	return &connCloseTracer{role: role, report: t.report}
}

type connCloseTracer struct {
	logging.NullConnectionTracer
	role   string
	peer   net.Addr
	report func(peer string, local bool, code uint64, reason string)
}

func (c *connCloseTracer) StartedConnection(_, remote net.Addr, _, _ logging.ConnectionID) {
	c.peer = remote
}

func (c *connCloseTracer) ClosedConnection(err error) {
	var te *quic.TransportError
	if !errors.As(err, &te) || te.ErrorCode == quic.NoError {
		return
	}
	peer := ""
	if c.peer != nil {
		peer = c.peer.String()
	}
	c.report(peer, !te.Remote, uint64(te.ErrorCode), fmt.Sprintf("%s: %s", c.role, te.Error()))
}
