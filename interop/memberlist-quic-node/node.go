package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/hashicorp/memberlist"
)

// node is one memberlist and its delegates: meta, user messages and push/pull state.
type node struct {
	name      string
	list      *memberlist.Memberlist
	transport *quicTransport
	counts    *counters
	mu        sync.Mutex // guards state, which set-state changes while memberlist reads it
	meta      []byte
	state     []byte
}

func (n *node) NodeMeta(limit int) []byte {
	if len(n.meta) > limit {
		return n.meta[:limit]
	}
	return n.meta
}
func (n *node) NotifyMsg(b []byte) {
	emit(map[string]interface{}{"event": "msg", "self": n.name, "data": string(b), "t": nowMs()})
}
func (n *node) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (n *node) LocalState(join bool) []byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.state
}
func (n *node) MergeRemoteState(buf []byte, join bool) {
	if len(buf) > 0 {
		emit(map[string]interface{}{"event": "remote-state", "self": n.name, "data": string(buf), "join": join, "t": nowMs()})
	}
}

type events struct{ self string }

// nodeStateView mirrors memberlist 0.2.2's unexported nodeState, whose first
// field is the Node events receive a pointer to: the only way to tell a
// failed node (dead) from one that left (see interop/memberlist-node).
type nodeStateView struct {
	memberlist.Node
	Incarnation uint32
	State       memberlist.NodeStateType
	StateChange time.Time
}

var stateNames = map[memberlist.NodeStateType]string{
	memberlist.StateAlive: "alive", memberlist.StateSuspect: "suspect",
	memberlist.StateDead: "dead", memberlist.StateLeft: "left",
}

func nodeEvent(kind, self string, m *memberlist.Node) {
	view := (*nodeStateView)(unsafe.Pointer(m))
	state, ok := stateNames[view.State]
	if !ok {
		state = fmt.Sprintf("unknown(%d)", view.State)
	}
	emit(map[string]interface{}{
		"event": kind, "self": self, "node": m.Name,
		"addr": net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port))),
		"meta": string(m.Meta), "state": state, "incarnation": view.Incarnation, "t": nowMs(),
	})
}
func (e events) NotifyJoin(m *memberlist.Node)   { nodeEvent("join", e.self, m) }
func (e events) NotifyLeave(m *memberlist.Node)  { nodeEvent("leave", e.self, m) }
func (e events) NotifyUpdate(m *memberlist.Node) { nodeEvent("update", e.self, m) }

func find(nodes []*node, self string) *node {
	for _, n := range nodes {
		if n.name == self {
			return n
		}
	}
	return nodes[0]
}

func member(n *node, name string) *memberlist.Node {
	for _, m := range n.list.Members() {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Commands: "[@SELF] VERB ARGS". Without @SELF the first node acts.
//
//	members | stats (counters, pooled connections, process CPU) | join ADDR[,ADDR] | set-state TEXT
//	send-best-effort NODE TEXT | send-reliable NODE TEXT
//	send-best-effort-size NODE BYTES (BYTES letters that do not compress)
//	send-burst best-effort|reliable NODE BYTES COUNT (COUNT such messages in a
//	row, each starting with its index and a colon)
//	leave TIMEOUT_MS | exit
func handleCommand(nodes []*node, line string) {
	if line == "" {
		return
	}
	n := nodes[0]
	if strings.HasPrefix(line, "@") {
		parts := strings.SplitN(line, " ", 2)
		n = find(nodes, parts[0][1:])
		if len(parts) < 2 {
			return
		}
		line = parts[1]
	}
	parts := strings.SplitN(line, " ", 3)
	reply := func(v map[string]interface{}) {
		v["self"] = n.name
		emit(v)
	}
	fail := func(err error) {
		reply(map[string]interface{}{"event": "error", "cmd": parts[0], "error": err.Error()})
	}
	switch parts[0] {
	case "members":
		ms := []map[string]interface{}{}
		for _, m := range n.list.Members() {
			ms = append(ms, map[string]interface{}{"name": m.Name, "addr": net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))})
		}
		reply(map[string]interface{}{"event": "members", "members": ms})
	case "stats":
		counts := map[string]float64{}
		n.counts.snapshot(counts)
		reply(map[string]interface{}{"event": "stats", "counters": counts, "pooled": n.transport.pool.size(), "cpu_ms": processCPUMs(), "t": nowMs()})
	case "join":
		if len(parts) < 2 {
			fail(fmt.Errorf("join needs addresses"))
			return
		}
		joinAndReport(n, strings.Split(parts[1], ","))
	case "set-state":
		n.mu.Lock()
		n.state = []byte(strings.Join(parts[1:], " "))
		n.mu.Unlock()
		reply(map[string]interface{}{"event": "state-set"})
	case "send-burst":
		args := strings.Fields(strings.Join(parts[1:], " "))
		if len(args) != 4 {
			fail(fmt.Errorf("send-burst needs KIND NODE BYTES COUNT"))
			return
		}
		send := n.list.SendBestEffort
		if args[0] == "reliable" {
			send = n.list.SendReliable
		}
		to := member(n, args[1])
		size, err1 := strconv.Atoi(args[2])
		count, err2 := strconv.Atoi(args[3])
		if to == nil || err1 != nil || err2 != nil || size < 1 || count < 1 {
			fail(fmt.Errorf("bad send-burst arguments %q", args))
			return
		}
		body := noise(size)
		for i := 0; i < count; i++ {
			if err := send(to, append([]byte(strconv.Itoa(i)+":"), body...)); err != nil {
				fail(fmt.Errorf("message %d: %v", i, err))
				return
			}
		}
		reply(map[string]interface{}{"event": "sent", "to": args[1], "count": count})
	case "send-best-effort", "send-reliable", "send-best-effort-size":
		if len(parts) < 3 {
			fail(fmt.Errorf("%s needs NODE TEXT", parts[0]))
			return
		}
		to := member(n, parts[1])
		if to == nil {
			fail(fmt.Errorf("no member %q", parts[1]))
			return
		}
		msg := []byte(parts[2])
		if parts[0] == "send-best-effort-size" {
			size, err := strconv.Atoi(parts[2])
			if err != nil || size < 1 {
				fail(fmt.Errorf("bad size %q", parts[2]))
				return
			}
			msg = noise(size)
		}
		var err error
		if parts[0] == "send-reliable" {
			err = n.list.SendReliable(to, msg)
		} else {
			err = n.list.SendBestEffort(to, msg)
		}
		if err != nil {
			fail(err)
			return
		}
		reply(map[string]interface{}{"event": "sent", "to": parts[1]})
	case "leave":
		ms := 5000
		if len(parts) > 1 {
			ms, _ = strconv.Atoi(parts[1])
		}
		if err := n.list.Leave(time.Duration(ms) * time.Millisecond); err != nil {
			fail(err)
			return
		}
		reply(map[string]interface{}{"event": "left"})
	case "exit":
		os.Exit(0)
	default:
		fail(fmt.Errorf("unknown command %q", parts[0]))
	}
}

// noise is n letters from a fixed xorshift stream: memberlist compresses
// messages, and a packet must stay large on the wire.
func noise(n int) []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	x := uint32(2463534242)
	b := make([]byte, n)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = alphabet[x&63]
	}
	return b
}
