package main

import (
	"context"
	"net"
	"sync"

	quic "github.com/lucas-clemente/quic-go"
)

// connPool holds one live connection per peer address, as the Go reference
// does: dials to one peer are serialised, and the first live connection
// stays (a later inbound duplicate is served but neither pooled nor closed).
type connPool struct {
	mu      sync.Mutex
	entries map[string]*poolEntry
	dial    func(ctx context.Context, addr string) (quic.Connection, error)
	serve   func(quic.Connection)
}

type poolEntry struct {
	mu   sync.Mutex
	conn quic.Connection
}

func alive(c quic.Connection) bool { return c != nil && c.Context().Err() == nil }

func (p *connPool) entry(addr string) *poolEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.entries[addr]
	if !ok {
		e = &poolEntry{}
		p.entries[addr] = e
	}
	return e
}

func (p *connPool) getOrDial(ctx context.Context, addr string) (quic.Connection, error) {
	e := p.entry(addr)
	e.mu.Lock()
	defer e.mu.Unlock()
	if alive(e.conn) {
		return e.conn, nil
	}
	conn, err := p.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	e.conn = conn
	go p.serve(conn)
	return conn, nil
}

// addInbound pools an accepted connection unless a live one to that peer exists.
func (p *connPool) addInbound(conn quic.Connection) {
	e := p.entry(conn.RemoteAddr().String())
	e.mu.Lock()
	if !alive(e.conn) {
		e.conn = conn
	}
	e.mu.Unlock()
	go p.serve(conn)
}

func (p *connPool) closeAll(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.entries {
		if e.conn != nil {
			_ = e.conn.CloseWithError(0, reason)
		}
	}
}

func (p *connPool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, e := range p.entries {
		if alive(e.conn) {
			n++
		}
	}
	return n
}

func resolveUDP(addr string) (*net.UDPAddr, error) { return net.ResolveUDPAddr("udp", addr) }
