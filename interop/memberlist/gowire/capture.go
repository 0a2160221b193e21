package main

import (
	"bytes"
	"fmt"
	"io/ioutil"
	"log"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// Captures real memberlist 0.2.2 traffic: two nodes on memberlist's own
// MockNetwork, with a transport wrapper that records every packet and every
// byte written to a stream, while they join, probe, gossip and exchange user
// messages. These bytes come from memberlist's code paths themselves
// (encode, makeCompoundMessage, compressPayload, encryptPayload, CRC).

type capConn struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.buf.Write(b)
	c.mu.Unlock()
	return c.Conn.Write(b)
}

type capTransport struct {
	*memberlist.MockTransport
	name     string
	mu       sync.Mutex
	packets  [][]byte
	conns    []*capConn
	dialed   map[*capConn]bool
	streamCh chan net.Conn
	packetCh chan *memberlist.Packet
}

func newCapTransport(n *memberlist.MockNetwork, name string) *capTransport {
	t := &capTransport{MockTransport: n.NewTransport(name), name: name, dialed: map[*capConn]bool{}, streamCh: make(chan net.Conn), packetCh: make(chan *memberlist.Packet, 4096)}
	// The mock network's packet channel is unbuffered; two nodes pinging each
	// other at once would deadlock, so drain it into a buffered one.
	go func() {
		for p := range t.MockTransport.PacketCh() {
			t.packetCh <- p
		}
	}()
	go func() {
		for conn := range t.MockTransport.StreamCh() {
			t.streamCh <- t.track(conn, false)
		}
	}()
	return t
}

func (t *capTransport) track(conn net.Conn, dialed bool) *capConn {
	c := &capConn{Conn: conn}
	t.mu.Lock()
	t.conns = append(t.conns, c)
	t.dialed[c] = dialed
	t.mu.Unlock()
	return c
}

func (t *capTransport) record(b []byte) {
	t.mu.Lock()
	t.packets = append(t.packets, append([]byte{}, b...))
	t.mu.Unlock()
}

func (t *capTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	t.record(b)
	return t.MockTransport.WriteTo(b, addr)
}

func (t *capTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	t.record(b)
	return t.MockTransport.WriteToAddress(b, a)
}

func (t *capTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	conn, err := t.MockTransport.DialTimeout(addr, timeout)
	if err != nil {
		return nil, err
	}
	return t.track(conn, true), nil
}

func (t *capTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	conn, err := t.MockTransport.DialAddressTimeout(a, timeout)
	if err != nil {
		return nil, err
	}
	return t.track(conn, true), nil
}

func (t *capTransport) StreamCh() <-chan net.Conn { return t.streamCh }

func (t *capTransport) PacketCh() <-chan *memberlist.Packet { return t.packetCh }

type capDelegate struct{ name string }

func (d *capDelegate) NodeMeta(limit int) []byte                  { return []byte("meta-" + d.name) }
func (d *capDelegate) NotifyMsg([]byte)                           {}
func (d *capDelegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (d *capDelegate) LocalState(join bool) []byte {
	return []byte(fmt.Sprintf("state-of-%s join=%v", d.name, join))
}
func (d *capDelegate) MergeRemoteState(buf []byte, join bool) {}

type captureCluster struct {
	name            string
	key             []byte // nil: no encryption
	protocolVersion uint8
	compression     bool
}

type capturedFixture struct {
	Cluster     string      `json:"cluster"`
	Kind        string      `json:"kind"` // packet | stream
	From        string      `json:"from"`
	Dialer      bool        `json:"dialer"` // for streams: written by the dialing side
	Keys        []string    `json:"keys"`
	Hex         string      `json:"hex"`
	Crc         bool        `json:"crc"`
	Encrypted   bool        `json:"encrypted"`
	Compressed  bool        `json:"compressed"`
	Messages    []expectMsg `json:"messages,omitempty"`
	StreamValue interface{} `json:"stream,omitempty"`
}

func runCapture(c captureCluster) []capturedFixture {
	network := &memberlist.MockNetwork{}
	var lists []*memberlist.Memberlist
	var transports []*capTransport
	for _, name := range []string{"node-a", "node-b"} {
		conf := memberlist.DefaultLocalConfig()
		conf.Name = name
		t := newCapTransport(network, name)
		conf.Transport = t
		conf.Delegate = &capDelegate{name}
		conf.ProtocolVersion = c.protocolVersion
		conf.EnableCompression = c.compression
		conf.SecretKey = c.key
		conf.ProbeInterval = 40 * time.Millisecond
		conf.ProbeTimeout = 20 * time.Millisecond
		conf.GossipInterval = 10 * time.Millisecond
		conf.PushPullInterval = 150 * time.Millisecond
		conf.Logger = log.New(ioutil.Discard, "", 0)
		m, err := memberlist.Create(conf)
		if err != nil {
			panic(err)
		}
		lists = append(lists, m)
		transports = append(transports, t)
	}
	a, b := lists[0], lists[1]
	if _, err := b.Join([]string{a.LocalNode().Name + "/" + a.LocalNode().Address()}); err != nil {
		panic(err)
	}
	time.Sleep(200 * time.Millisecond)
	bNode := b.LocalNode()
	if err := a.SendReliable(bNode, []byte("reliable hello")); err != nil {
		panic(err)
	}
	if err := a.SendBestEffort(bNode, []byte("best-effort hello")); err != nil {
		panic(err)
	}
	if err := a.UpdateNode(time.Second); err != nil {
		panic(err)
	}
	time.Sleep(200 * time.Millisecond)
	for _, m := range lists {
		m.Shutdown()
	}

	var keys []string
	var keyBytes [][]byte
	if c.key != nil {
		keys = []string{hx(c.key)}
		keyBytes = [][]byte{c.key}
	} else {
		keys = []string{}
	}
	var out []capturedFixture
	seen := map[string]bool{}
	for _, t := range transports {
		t.mu.Lock()
		packets := t.packets
		conns := t.conns
		t.mu.Unlock()
		perShape := map[string]int{}
		for _, p := range packets {
			d, err := decodePacketGo(p, keyBytes, "")
			if err != nil {
				panic(fmt.Sprintf("captured packet does not decode: %v", err))
			}
			// Keep a few of each shape (types inside, CRC, compression) to bound the file.
			shape := fmt.Sprintf("%v/%v/%v", d.crc, d.compressed, typesOf(d.messages))
			if perShape[shape] >= 3 || seen[hx(p)] {
				continue
			}
			perShape[shape]++
			seen[hx(p)] = true
			out = append(out, capturedFixture{Cluster: c.name, Kind: "packet", From: t.name, Keys: keys, Hex: hx(p), Crc: d.crc, Encrypted: c.key != nil, Compressed: d.compressed, Messages: d.messages})
		}
		for _, conn := range conns {
			conn.mu.Lock()
			raw := append([]byte{}, conn.buf.Bytes()...)
			conn.mu.Unlock()
			if len(raw) == 0 {
				continue
			}
			s, err := decodeStreamGo(raw, keyBytes, "")
			if err != nil {
				panic(fmt.Sprintf("captured stream does not decode: %v", err))
			}
			out = append(out, capturedFixture{Cluster: c.name, Kind: "stream", From: t.name, Dialer: t.dialed[conn], Keys: keys, Hex: hx(raw), Encrypted: c.key != nil, Compressed: s.compressed, StreamValue: s.value})
		}
	}
	return out
}

func typesOf(msgs []expectMsg) string {
	var b bytes.Buffer
	for _, m := range msgs {
		fmt.Fprintf(&b, "%d,", m.Type)
	}
	return b.String()
}

func allCaptures() []capturedFixture {
	var out []capturedFixture
	out = append(out, runCapture(captureCluster{name: "plain-compressed", protocolVersion: 2, compression: true})...)
	out = append(out, runCapture(captureCluster{name: "aes128-v1-compressed", key: bytes.Repeat([]byte{0x77}, 16), protocolVersion: 2, compression: true})...)
	out = append(out, runCapture(captureCluster{name: "aes256-v0-pv1", key: bytes.Repeat([]byte{0x88}, 32), protocolVersion: 1, compression: false})...)
	return out
}
