// memberlist-bench hosts one or more HashiCorp memberlist (Go) nodes for
// bench/memberlist-cluster.ts. It speaks the same line protocol as the shoal
// host (bench/memberlist-cluster/node-host.ts), so the coordinator drives both
// implementations alike. Build:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o ../bin/memberlist-bench .
//
// Output (stdout, JSON lines; "t" is wall-clock epoch ms with a fraction):
//
//	{"event":"ready","nodes":[{"name":N,"addr":"ip:port"},...]}
//	{"event":"join"|"leave","self":N,"node":M,"t":T}  membership changes as each node sees them
//	{"event":"joined","ok":K,"failed":F,"errors":[...],"t":T}
//	{"event":"stats","udp_sent":B,"tcp_sent":B,"push_pulls":P,"cpu_ms":C,"t":T}
//	{"event":"members","counts":{N:K,...}}
//	{"event":"killed","names":[...],"t":T}
//
// Commands (stdin, one per line):
//
//	join ADDR        every node whose own address is not ADDR joins ADDR, all at once
//	stats            bytes sent so far (all nodes) and process CPU time (getrusage)
//	members          len(Members()) of every running node
//	kill NAME,...    Shutdown() without Leave: peers must detect the failure
//	exit             shut everything down and exit (closing stdin does the same)
package main

import (
	"bufio"
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
	"sync/atomic"
	"syscall"
	"time"

	metrics "github.com/armon/go-metrics"
	"github.com/hashicorp/memberlist"
)

// output batches event lines and flushes them every few milliseconds, so
// thousands of join events cost few write syscalls; each line carries the
// time it happened, so the delay does not skew measurements.
type output struct {
	sync.Mutex
	w       *bufio.Writer
	pending bool
}

var out = &output{w: bufio.NewWriterSize(os.Stdout, 1<<16)}

func (o *output) emit(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		log.Fatal(err)
	}
	o.Lock()
	o.w.Write(b)
	o.w.WriteByte('\n')
	if !o.pending {
		// Flush soon, not on a fixed tick: an idle node must not pay for output.
		o.pending = true
		time.AfterFunc(10*time.Millisecond, o.flush)
	}
	o.Unlock()
}

func (o *output) flush() {
	o.Lock()
	o.w.Flush()
	o.pending = false
	o.Unlock()
}

func nowMs() float64 { return float64(time.Now().UnixNano()) / 1e6 }

// byteSink counts the bytes memberlist reports as sent (go-metrics counters
// memberlist.udp.sent and memberlist.tcp.sent) and the push/pulls it starts
// (memberlist.tcp.connect), and ignores everything else.
type byteSink struct {
	udp, tcp, connects uint64
}

func (s *byteSink) count(key []string, val float32) {
	n := len(key)
	if n < 2 {
		return
	}
	switch key[n-2] + "." + key[n-1] {
	case "udp.sent":
		atomic.AddUint64(&s.udp, uint64(val))
	case "tcp.sent":
		atomic.AddUint64(&s.tcp, uint64(val))
	case "tcp.connect": // push/pulls initiated
		atomic.AddUint64(&s.connects, uint64(val))
	}
}
func (s *byteSink) SetGauge([]string, float32)                            {}
func (s *byteSink) SetGaugeWithLabels([]string, float32, []metrics.Label) {}
func (s *byteSink) EmitKey([]string, float32)                             {}
func (s *byteSink) IncrCounter(key []string, val float32)                 { s.count(key, val) }
func (s *byteSink) IncrCounterWithLabels(key []string, val float32, _ []metrics.Label) {
	s.count(key, val)
}
func (s *byteSink) AddSample([]string, float32)                            {}
func (s *byteSink) AddSampleWithLabels([]string, float32, []metrics.Label) {}

type events struct{ self string }

func (e events) NotifyJoin(m *memberlist.Node) {
	out.emit(map[string]interface{}{"event": "join", "self": e.self, "node": m.Name, "t": nowMs()})
}
func (e events) NotifyLeave(m *memberlist.Node) {
	out.emit(map[string]interface{}{"event": "leave", "self": e.self, "node": m.Name, "t": nowMs()})
}
func (e events) NotifyUpdate(*memberlist.Node) {}

type node struct {
	name   string
	addr   string
	list   *memberlist.Memberlist
	killed bool
}

func main() {
	prefix := flag.String("name", "go", "node name prefix; nodes are PREFIX-FIRST, PREFIX-FIRST+1, ...")
	first := flag.Int("first", 0, "index of the first node")
	count := flag.Int("nodes", 1, "number of nodes in this process")
	host := flag.String("bind", "127.0.0.1", "bind address (ports are chosen by the OS)")
	profile := flag.String("profile", "local", "lan, wan or local")
	flag.Parse()

	sink := &byteSink{}
	mc := metrics.DefaultConfig("")
	mc.EnableHostname = false
	mc.EnableRuntimeMetrics = false
	if _, err := metrics.NewGlobal(mc, sink); err != nil {
		log.Fatal(err)
	}

	nodes := make([]*node, 0, *count)
	ready := make([]map[string]string, 0, *count)
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
		n := &node{name: fmt.Sprintf("%s-%d", *prefix, *first+i)}
		cfg.Name = n.name
		cfg.BindAddr = *host
		cfg.BindPort = 0
		cfg.Events = events{self: n.name}
		cfg.LogOutput = ioutil.Discard
		list, err := memberlist.Create(cfg)
		if err != nil {
			log.Fatalf("create %s: %v", n.name, err)
		}
		n.list = list
		local := list.LocalNode()
		n.addr = net.JoinHostPort(local.Addr.String(), strconv.Itoa(int(local.Port)))
		nodes = append(nodes, n)
		ready = append(ready, map[string]string{"name": n.name, "addr": n.addr})
	}
	out.emit(map[string]interface{}{"event": "ready", "nodes": ready})
	out.flush()

	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		if !handle(nodes, sink, strings.Fields(scanner.Text())) {
			break
		}
		out.flush()
	}
	for _, n := range nodes {
		if !n.killed {
			_ = n.list.Shutdown()
		}
	}
	out.flush()
}

func handle(nodes []*node, sink *byteSink, args []string) bool {
	if len(args) == 0 {
		return true
	}
	switch args[0] {
	case "join":
		if len(args) < 2 {
			log.Fatal("join needs an address")
		}
		seed := args[1]
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, failed := 0, 0
		errs := []string{}
		for _, n := range nodes {
			if n.addr == seed {
				continue
			}
			wg.Add(1)
			go func(n *node) {
				defer wg.Done()
				_, err := n.list.Join([]string{seed})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed++
					errs = append(errs, n.name+": "+err.Error())
				} else {
					ok++
				}
			}(n)
		}
		// Reply from a goroutine: the coordinator may ask for members meanwhile.
		go func() {
			wg.Wait()
			out.emit(map[string]interface{}{"event": "joined", "ok": ok, "failed": failed, "errors": errs, "t": nowMs()})
		}()
	case "stats":
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		cpuMs := float64(ru.Utime.Sec+ru.Stime.Sec)*1000 + float64(ru.Utime.Usec+ru.Stime.Usec)/1000
		out.emit(map[string]interface{}{
			"event": "stats", "udp_sent": atomic.LoadUint64(&sink.udp), "tcp_sent": atomic.LoadUint64(&sink.tcp),
			"push_pulls": atomic.LoadUint64(&sink.connects),
			"cpu_ms":     cpuMs, "t": nowMs(),
		})
	case "members":
		counts := map[string]int{}
		for _, n := range nodes {
			if !n.killed {
				counts[n.name] = len(n.list.Members())
			}
		}
		out.emit(map[string]interface{}{"event": "members", "counts": counts})
	case "kill":
		names := []string{}
		if len(args) > 1 {
			names = strings.Split(args[1], ",")
		}
		want := map[string]bool{}
		for _, name := range names {
			want[name] = true
		}
		for _, n := range nodes {
			if want[n.name] && !n.killed {
				n.killed = true
				_ = n.list.Shutdown()
			}
		}
		out.emit(map[string]interface{}{"event": "killed", "names": names, "t": nowMs()})
	case "exit":
		return false
	default:
		log.Fatalf("unknown command %q", args[0])
	}
	return true
}
