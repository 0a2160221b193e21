// memberlist-quic-node runs HashiCorp memberlist 0.2.2 nodes over QUIC with
// mutual TLS, speaking the protocol of the Go reference design
// (github.com/wjordan/memberlist-quic) on quic-go 0.29, for shoal's interop
// tests. Events go to stdout as JSON lines; commands come from stdin, one per
// line (see handleCommand). Build:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o ../bin/memberlist-quic-node .
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
	"time"

	"github.com/hashicorp/memberlist"
	quic "github.com/lucas-clemente/quic-go"
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

func main() {
	name := flag.String("name", "go", "node name (with -nodes > 1, names are NAME-0, NAME-1, ...)")
	bind := flag.String("bind", "127.0.0.1:0", "UDP bind address host:port (with -nodes > 1 and a fixed port, ports count up)")
	join := flag.String("join", "", "comma-separated addresses to join")
	caFile := flag.String("tls-ca", "", "CA certificate PEM")
	certFile := flag.String("tls-cert", "", "node certificate PEM (with -nodes > 1: a %d in the path is the node index)")
	keyFile := flag.String("tls-key", "", "node key PEM (with -nodes > 1: a %d in the path is the node index)")
	metaText := flag.String("meta", "", "node meta")
	stateText := flag.String("state", "", "delegate local state sent in push/pull")
	count := flag.Int("nodes", 1, "number of nodes in this process")
	pushPullMs := flag.Int("pushpull", -1, "push/pull interval in ms (default: the local profile's; 0 disables)")
	datagrams := flag.Bool("datagrams", true, "offer QUIC datagrams (false: every packet takes the stream fallback)")
	verbose := flag.Bool("v", false, "memberlist logs to stderr")
	closeEvents := flag.Bool("close-events", true, "report connections closed with an error (a quic-go tracer; false: no tracer, as in the reference)")
	handshakes := flag.Int("handshakes", 0, "complete N mutual-TLS handshakes with a listener in this process, report their CPU, then exit")
	genCA := flag.String("gen-ca", "", "write DIR/ca.pem and DIR/ca-key.pem the way the reference's tlsutil does, then exit")
	genCert := flag.String("gen-cert", "", "write DIR/NAME.pem and DIR/NAME-key.pem (-name, IP SAN 127.0.0.1) signed by DIR/ca.pem, then exit")
	flag.Parse()

	if *genCA != "" || *genCert != "" {
		var err error
		if *genCA != "" {
			err = generateCA(*genCA, "memberlist-quic interop")
		} else {
			err = generateNodeCert(*genCert, *name, []net.IP{net.ParseIP("127.0.0.1")})
		}
		if err != nil {
			log.Fatal(err)
		}
		return
	}

	if *handshakes > 0 {
		tlsConf, err := loadMutualTLS(*caFile, *certFile, *keyFile)
		if err == nil {
			err = measureHandshakes(*handshakes, tlsConf, &quic.Config{EnableDatagrams: *datagrams, MaxIdleTimeout: 30 * time.Second, KeepAlivePeriod: 10 * time.Second})
		}
		if err != nil {
			fatal(*name, err)
		}
		return
	}

	host, basePort := splitHostPort(*bind)
	nodes := make([]*node, 0, *count)
	for i := 0; i < *count; i++ {
		n := &node{name: *name, meta: []byte(*metaText), state: []byte(*stateText), counts: &counters{m: map[string]float64{}}}
		if *count > 1 {
			n.name = fmt.Sprintf("%s-%d", *name, i)
		}
		port := basePort
		if basePort != 0 {
			port += i
		}
		tlsConf, err := loadMutualTLS(*caFile, indexed(*certFile, i), indexed(*keyFile, i))
		if err != nil {
			fatal(n.name, err)
		}
		self := n.name
		tracer := &closeTracer{report: func(peer string, local bool, code uint64, reason string) {
			n.counts.add(fmt.Sprintf("quic.closed.0x%x", code), 1)
			emit(map[string]interface{}{"event": "quic-closed", "self": self, "peer": peer, "local": local, "code": code, "crypto": code >= 0x100 && code <= 0x1ff, "error": reason, "t": nowMs()})
		}}
		quicConf := &quic.Config{EnableDatagrams: *datagrams, MaxIdleTimeout: 30 * time.Second, KeepAlivePeriod: 10 * time.Second}
		if *closeEvents {
			// quic-go builds a trace record of every packet for a tracer: a cost the bench leaves out.
			quicConf.Tracer = tracer
		}
		transport, err := newQuicTransport(net.JoinHostPort(host, strconv.Itoa(port)), tlsConf, quicConf, n.counts)
		if err != nil {
			fatal(n.name, err)
		}
		n.transport = transport

		cfg := memberlist.DefaultLocalConfig()
		cfg.Name = n.name
		cfg.Transport = transport
		cfg.BindAddr = host
		cfg.BindPort = transport.port()
		cfg.AdvertisePort = transport.port()
		if *pushPullMs >= 0 {
			cfg.PushPullInterval = time.Duration(*pushPullMs) * time.Millisecond
		}
		cfg.Delegate = n
		cfg.Events = events{self: n.name}
		cfg.LogOutput = ioutil.Discard
		if *verbose {
			cfg.LogOutput = os.Stderr
		}
		list, err := memberlist.Create(cfg)
		if err != nil {
			fatal(n.name, err)
		}
		n.list = list
		nodes = append(nodes, n)
		local := list.LocalNode()
		emit(map[string]interface{}{"event": "ready", "self": n.name, "addr": net.JoinHostPort(local.Addr.String(), strconv.Itoa(int(local.Port)))})
	}

	if *join != "" {
		for _, n := range nodes {
			joinAndReport(n, strings.Split(*join, ","))
		}
	}

	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		handleCommand(nodes, strings.TrimSpace(scanner.Text()))
	}
	// stdin closed: shut down without leaving.
	for _, n := range nodes {
		_ = n.list.Shutdown()
	}
}

// indexed fills a %d in a per-node file path with the node's index.
func indexed(path string, i int) string {
	if strings.Contains(path, "%d") {
		return fmt.Sprintf(path, i)
	}
	return path
}

func fatal(self string, err error) {
	emit(map[string]interface{}{"event": "error", "self": self, "error": err.Error()})
	os.Exit(1)
}

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

func joinAndReport(n *node, addrs []string) {
	joined, err := n.list.Join(addrs)
	if err != nil {
		emit(map[string]interface{}{"event": "join-error", "self": n.name, "error": err.Error()})
		return
	}
	emit(map[string]interface{}{"event": "joined", "self": n.name, "contacted": joined})
}
