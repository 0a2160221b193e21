// memberlist-node runs one or more HashiCorp memberlist (Go) nodes for shoal's
// interop tests and benchmarks. Events go to stdout as JSON lines; commands come
// from stdin, one per line (see handleCommand). Build:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o ../bin/memberlist-node .
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	metrics "github.com/armon/go-metrics"
	"github.com/hashicorp/memberlist"
)

var out = struct {
	sync.Mutex
	enc *json.Encoder
}{enc: json.NewEncoder(os.Stdout)}

func emit(v map[string]interface{}) {
	out.Lock()
	defer out.Unlock()
	_ = out.enc.Encode(v)
}

func nowMs() int64 { return time.Now().UnixNano() / int64(time.Millisecond) }

type node struct {
	name  string
	list  *memberlist.Memberlist
	mu    sync.Mutex
	meta  []byte
	state []byte
}

// delegate: meta, user messages and push/pull state.
func (n *node) NodeMeta(limit int) []byte {
	n.mu.Lock()
	defer n.mu.Unlock()
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
	if len(buf) == 0 {
		return
	}
	emit(map[string]interface{}{"event": "remote-state", "self": n.name, "data": string(buf), "join": join, "t": nowMs()})
}

type events struct{ self string }

// nodeStateView mirrors memberlist 0.2.2's unexported nodeState, whose first
// field is the embedded Node that events receive a pointer to. Node.State is
// never updated in 0.2.2 (nodeState.State shadows it), so this is the only way
// an event delegate can tell a failed node ("dead") from one that left.
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
	// Events are called with &nodeState.Node while memberlist holds its node lock.
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

func splitHostPort(s string) (string, int) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		log.Fatalf("bad address %q: %v", s, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		log.Fatalf("bad port in %q", s)
	}
	return host, p
}

func main() {
	name := flag.String("name", "go", "node name (with -nodes > 1, names are NAME-0, NAME-1, ...)")
	bind := flag.String("bind", "127.0.0.1:0", "bind address host:port (with -nodes > 1, ports count up from it)")
	advertise := flag.String("advertise", "", "advertise address host:port")
	join := flag.String("join", "", "comma-separated addresses to join")
	profile := flag.String("profile", "local", "lan, wan or local")
	key := flag.String("key", "", "base64 secret key (16, 24 or 32 bytes)")
	compression := flag.Bool("compression", true, "enable compression")
	metaText := flag.String("meta", "", "node meta")
	stateText := flag.String("state", "", "delegate local state sent in push/pull")
	count := flag.Int("nodes", 1, "number of nodes in this process")
	pushPullMs := flag.Int("pushpull", -1, "push/pull interval in ms (default: the profile's; 0 disables)")
	tcpTimeoutMs := flag.Int("tcptimeout", 0, "TCP (stream) timeout in ms (default: the profile's)")
	verbose := flag.Bool("v", false, "memberlist logs to stderr")
	withMetrics := flag.Bool("metrics", true, "keep memberlist's metrics for stats (false: go-metrics' default no-op sink, as memberlist-quic-node has; stats counters stay empty)")
	flag.Parse()

	sink := metrics.NewInmemSink(time.Hour, time.Hour)
	if *withMetrics {
		cfgMetrics := metrics.DefaultConfig("go")
		cfgMetrics.EnableHostname = false
		cfgMetrics.EnableRuntimeMetrics = false
		if _, err := metrics.NewGlobal(cfgMetrics, sink); err != nil {
			log.Fatal(err)
		}
	}

	host, basePort := splitHostPort(*bind)
	nodes := make([]*node, 0, *count)
	for i := 0; i < *count; i++ {
		var cfg *memberlist.Config
		switch *profile {
		case "lan":
			cfg = memberlist.DefaultLANConfig()
		case "wan":
			cfg = memberlist.DefaultWANConfig()
		case "local":
			cfg = memberlist.DefaultLocalConfig()
		default:
			log.Fatalf("unknown profile %q", *profile)
		}
		n := &node{name: *name, meta: []byte(*metaText), state: []byte(*stateText)}
		if *count > 1 {
			n.name = fmt.Sprintf("%s-%d", *name, i)
		}
		cfg.Name = n.name
		cfg.BindAddr = host
		cfg.BindPort = basePort
		if basePort != 0 {
			cfg.BindPort = basePort + i
		}
		cfg.AdvertisePort = cfg.BindPort
		if *advertise != "" {
			ah, ap := splitHostPort(*advertise)
			cfg.AdvertiseAddr, cfg.AdvertisePort = ah, ap+i
		}
		cfg.EnableCompression = *compression
		if *pushPullMs >= 0 {
			cfg.PushPullInterval = time.Duration(*pushPullMs) * time.Millisecond
		}
		if *tcpTimeoutMs > 0 {
			cfg.TCPTimeout = time.Duration(*tcpTimeoutMs) * time.Millisecond
		}
		if *key != "" {
			k, err := base64.StdEncoding.DecodeString(*key)
			if err != nil {
				log.Fatalf("bad key: %v", err)
			}
			cfg.SecretKey = k
		}
		cfg.Delegate = n
		cfg.Events = events{self: n.name}
		if *verbose {
			cfg.LogOutput = os.Stderr
		} else {
			cfg.LogOutput = ioutil.Discard
		}
		list, err := memberlist.Create(cfg)
		if err != nil {
			emit(map[string]interface{}{"event": "error", "self": n.name, "error": err.Error()})
			os.Exit(1)
		}
		n.list = list
		nodes = append(nodes, n)
		local := list.LocalNode()
		emit(map[string]interface{}{"event": "ready", "self": n.name, "addr": net.JoinHostPort(local.Addr.String(), strconv.Itoa(int(local.Port)))})
	}

	if *join != "" {
		for _, n := range nodes {
			joined, err := n.list.Join(strings.Split(*join, ","))
			if err != nil {
				emit(map[string]interface{}{"event": "join-error", "self": n.name, "error": err.Error()})
			} else {
				emit(map[string]interface{}{"event": "joined", "self": n.name, "contacted": joined})
			}
		}
	}

	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		handleCommand(nodes, sink, strings.TrimSpace(scanner.Text()))
	}
	// stdin closed: shut down without leaving (like a crash, but clean sockets).
	for _, n := range nodes {
		_ = n.list.Shutdown()
	}
}

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
//	members | health | stats | join ADDR[,ADDR] | update-meta TEXT | set-state TEXT
//	send-best-effort NODE TEXT | send-reliable NODE TEXT | leave TIMEOUT_MS | shutdown | exit
func handleCommand(nodes []*node, sink *metrics.InmemSink, line string) {
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
		var ms []map[string]interface{}
		for _, m := range n.list.Members() {
			ms = append(ms, map[string]interface{}{"name": m.Name, "addr": net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port))), "meta": string(m.Meta)})
		}
		reply(map[string]interface{}{"event": "members", "members": ms})
	case "health":
		reply(map[string]interface{}{"event": "health", "score": n.list.GetHealthScore()})
	case "stats":
		counters := map[string]float64{}
		for _, interval := range sink.Data() {
			interval.RLock()
			for k, v := range interval.Counters {
				counters[k] += v.Sum
			}
			interval.RUnlock()
		}
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		cpuMs := float64(ru.Utime.Sec+ru.Stime.Sec)*1000 + float64(ru.Utime.Usec+ru.Stime.Usec)/1000
		reply(map[string]interface{}{"event": "stats", "counters": counters, "cpu_ms": cpuMs, "t": nowMs()})
	case "join":
		if len(parts) < 2 {
			fail(fmt.Errorf("join needs addresses"))
			return
		}
		joined, err := n.list.Join(strings.Split(parts[1], ","))
		if err != nil {
			reply(map[string]interface{}{"event": "join-error", "error": err.Error()})
			return
		}
		reply(map[string]interface{}{"event": "joined", "contacted": joined})
	case "update-meta":
		n.mu.Lock()
		n.meta = []byte(strings.Join(parts[1:], " "))
		n.mu.Unlock()
		if err := n.list.UpdateNode(5 * time.Second); err != nil {
			fail(err)
			return
		}
		reply(map[string]interface{}{"event": "updated"})
	case "set-state":
		n.mu.Lock()
		n.state = []byte(strings.Join(parts[1:], " "))
		n.mu.Unlock()
		reply(map[string]interface{}{"event": "state-set"})
	case "send-best-effort", "send-reliable":
		if len(parts) < 3 {
			fail(fmt.Errorf("%s needs NODE TEXT", parts[0]))
			return
		}
		to := member(n, parts[1])
		if to == nil {
			fail(fmt.Errorf("no member %q", parts[1]))
			return
		}
		var err error
		if parts[0] == "send-reliable" {
			err = n.list.SendReliable(to, []byte(parts[2]))
		} else {
			err = n.list.SendBestEffort(to, []byte(parts[2]))
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
	case "shutdown":
		_ = n.list.Shutdown()
		reply(map[string]interface{}{"event": "shutdown"})
	case "exit":
		os.Exit(0)
	default:
		fail(fmt.Errorf("unknown command %q", parts[0]))
	}
}
