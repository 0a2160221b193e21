package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"syscall"
	"time"

	quic "github.com/lucas-clemente/quic-go"
)

// processCPUMs is this process's user + system CPU so far (getrusage), in ms.
func processCPUMs() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec)*1000 + float64(ru.Utime.Usec+ru.Stime.Usec)/1000
}

// handshakeWarmup handshakes run untimed first: the first ones pay for
// lazily built tables and a cold heap.
const handshakeWarmup = 20

// measureHandshakes completes n mutual-TLS QUIC handshakes, one after the
// other, from a client socket to a listener in this process, and reports the
// CPU of both ends: the cost that a cluster's first contacts pay per pair.
// Each connection is closed once both ends have finished their handshake
// (the listener yields a connection only then), as bench/memberlist-quic's
// shoal and node:tls handshake rows do.
func measureHandshakes(n int, tlsConf *tls.Config, quicConf *quic.Config) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	listener, err := quic.ListenAddr("127.0.0.1:0", tlsConf, quicConf)
	if err != nil {
		return err
	}
	defer listener.Close()
	accepted := make(chan quic.Connection, 1)
	go func() {
		for {
			conn, err := listener.Accept(ctx)
			if err != nil {
				close(accepted)
				return
			}
			accepted <- conn
		}
	}()
	client, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	defer client.Close()
	server := listener.Addr().(*net.UDPAddr)
	clientConf := tlsConf.Clone()
	clientConf.ServerName = server.IP.String()
	one := func() error {
		conn, err := quic.DialContext(ctx, client, server, clientConf.ServerName, clientConf, quicConf)
		if err != nil {
			return err
		}
		peer, ok := <-accepted
		if !ok {
			return fmt.Errorf("listener closed before accepting handshake")
		}
		_ = conn.CloseWithError(0, "")
		_ = peer.CloseWithError(0, "")
		return nil
	}
	for i := 0; i < handshakeWarmup; i++ {
		if err := one(); err != nil {
			return err
		}
	}
	cpu0, t0 := processCPUMs(), time.Now()
	for i := 0; i < n; i++ {
		if err := one(); err != nil {
			return fmt.Errorf("handshake %d: %w", i, err)
		}
	}
	cpu, wall := processCPUMs()-cpu0, time.Since(t0)
	emit(map[string]interface{}{"event": "handshakes", "n": n, "cpu_ms": cpu, "wall_ms": float64(wall.Microseconds()) / 1000})
	return nil
}
