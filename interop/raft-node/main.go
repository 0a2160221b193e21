// raft-node runs one HashiCorp raft 1.1.2 server (TCP transport, raft-boltdb,
// file snapshots) for shoal's interop tests and benchmarks. It speaks the same
// stdin/stdout JSON-lines protocol as `shoal raft`, so a test drives Go and
// shoal servers alike (see protocol.go). Build:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o ../bin/raft-node .
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/boltdb/bolt"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb"
)

type options struct {
	id                string
	bind              string
	advertise         string
	dir               string
	bootstrap         []raft.Server
	snapshotThreshold uint64
	trailingLogs      uint64
	snapshotInterval  time.Duration
	applyTimeout      time.Duration
	tlsCA, tlsCert    string
	tlsKey            string
}

// parseArgs reads the flags `shoal raft` takes. Errors come back as one line
// for the caller to print; the flag package's usage dump is suppressed.
func parseArgs(args []string) (*options, error) {
	fs := flag.NewFlagSet("raft-node", flag.ContinueOnError)
	fs.SetOutput(ioutil.Discard)
	o := &options{}
	var bootstrap string
	var intervalMs, applyTimeoutMs int64
	fs.StringVar(&o.id, "id", "", "server ID")
	fs.StringVar(&o.bind, "bind", "", "HOST:PORT to listen on")
	fs.StringVar(&o.advertise, "advertise", "", "HOST:PORT peers dial (default: --bind)")
	fs.StringVar(&o.dir, "dir", "", "directory for raft.db and snapshots")
	fs.StringVar(&bootstrap, "bootstrap", "", "ID=HOST:PORT,... voters to bootstrap when DIR holds no state")
	fs.Uint64Var(&o.snapshotThreshold, "snapshot-threshold", 0, "entries since the last snapshot that trigger one (0: raft's default)")
	fs.Uint64Var(&o.trailingLogs, "trailing-logs", 0, "entries kept after a snapshot (0: raft's default)")
	fs.Int64Var(&intervalMs, "snapshot-interval-ms", 0, "how often to check for a snapshot (0: raft's default)")
	fs.Int64Var(&applyTimeoutMs, "apply-timeout-ms", 10000, "how long an apply may wait to be enqueued")
	fs.StringVar(&o.tlsCA, "tls-ca", "", "PEM CA every peer's certificate must chain to")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate of this server")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of this server")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, required := range []struct{ name, value string }{{"id", o.id}, {"bind", o.bind}, {"dir", o.dir}} {
		if required.value == "" {
			return nil, fmt.Errorf("--%s is required", required.name)
		}
	}
	for _, addr := range []string{o.bind, o.advertise} {
		if addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("bad address %q: %v", addr, err)
		}
	}
	if intervalMs < 0 {
		return nil, errors.New("--snapshot-interval-ms must not be negative")
	}
	o.snapshotInterval = time.Duration(intervalMs) * time.Millisecond
	if applyTimeoutMs <= 0 {
		return nil, errors.New("--apply-timeout-ms must be positive")
	}
	o.applyTimeout = time.Duration(applyTimeoutMs) * time.Millisecond
	if given := countNonEmpty(o.tlsCA, o.tlsCert, o.tlsKey); given != 0 && given != 3 {
		return nil, errors.New("--tls-ca, --tls-cert and --tls-key go together")
	}
	if bootstrap != "" {
		for _, part := range strings.Split(bootstrap, ",") {
			eq := strings.IndexByte(part, '=')
			if eq <= 0 || eq == len(part)-1 {
				return nil, fmt.Errorf("bad --bootstrap entry %q: want ID=HOST:PORT", part)
			}
			addr := part[eq+1:]
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return nil, fmt.Errorf("bad --bootstrap address %q: %v", addr, err)
			}
			o.bootstrap = append(o.bootstrap, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(part[:eq]), Address: raft.ServerAddress(addr)})
		}
	}
	return o, nil
}

func countNonEmpty(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}

// server holds what shutdown must close, in the order it must close it.
type server struct {
	raft      *raft.Raft
	transport *raft.NetworkTransport
	store     *raftboltdb.BoltStore
	fsm       *commandLog
	// applyTimeout bounds how long an apply may wait to be enqueued.
	applyTimeout time.Duration
}

func newTransport(o *options, advertise net.Addr) (*raft.NetworkTransport, error) {
	if o.tlsCA == "" {
		return raft.NewTCPTransport(o.bind, advertise, 3, 10*time.Second, os.Stderr)
	}
	config, err := loadTLSConfig(o.tlsCA, o.tlsCert, o.tlsKey)
	if err != nil {
		return nil, err
	}
	layer, err := newTLSStreamLayer(o.bind, advertise, config)
	if err != nil {
		return nil, err
	}
	return raft.NewNetworkTransport(layer, 3, 10*time.Second, os.Stderr), nil
}

func start(o *options, fsm *commandLog) (*server, error) {
	conf := raft.DefaultConfig() // protocol version 3 and 1.1.2's timings
	conf.LocalID = raft.ServerID(o.id)
	conf.LogOutput = os.Stderr
	conf.LogLevel = "INFO" // DEBUG (the default) logs every heartbeat
	if o.snapshotThreshold > 0 {
		conf.SnapshotThreshold = o.snapshotThreshold
	}
	if o.trailingLogs > 0 {
		conf.TrailingLogs = o.trailingLogs
	}
	if o.snapshotInterval > 0 {
		conf.SnapshotInterval = o.snapshotInterval
	}

	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return nil, err
	}
	// NoSync stays false: every log append is fsynced, as in production.
	// The timeout turns a database still locked by a previous incarnation
	// into an error instead of a hang.
	store, err := raftboltdb.New(raftboltdb.Options{
		Path:        filepath.Join(o.dir, "raft.db"),
		BoltOptions: &bolt.Options{Timeout: 5 * time.Second},
	})
	if err != nil {
		return nil, fmt.Errorf("open raft.db: %v", err)
	}
	snaps, err := raft.NewFileSnapshotStore(o.dir, 2, os.Stderr)
	if err != nil {
		store.Close()
		return nil, err
	}

	var advertise net.Addr
	if o.advertise != "" {
		if advertise, err = net.ResolveTCPAddr("tcp", o.advertise); err != nil {
			store.Close()
			return nil, err
		}
	}
	// maxPool 3 and a 10 s RPC timeout are what Consul and Nomad use.
	transport, err := newTransport(o, advertise)
	if err != nil {
		store.Close()
		return nil, err
	}

	fail := func(err error) (*server, error) {
		transport.Close()
		store.Close()
		return nil, err
	}
	if len(o.bootstrap) > 0 {
		// Bootstrapping a directory that already holds a cluster's state
		// would fork history; a restarted server just rejoins.
		existing, err := raft.HasExistingState(store, store, snaps)
		if err != nil {
			return fail(err)
		}
		if !existing {
			cluster := raft.Configuration{Servers: o.bootstrap}
			if err := raft.BootstrapCluster(conf, store, store, snaps, transport, cluster); err != nil {
				return fail(fmt.Errorf("bootstrap: %v", err))
			}
		}
	}

	r, err := raft.NewRaft(conf, fsm, store, store, snaps, transport)
	if err != nil {
		return fail(err)
	}
	return &server{raft: r, transport: transport, store: store, fsm: fsm, applyTimeout: o.applyTimeout}, nil
}

func (s *server) shutdown() error {
	err := s.raft.Shutdown().Error()
	s.transport.Close()
	if cerr := s.store.Close(); err == nil {
		err = cerr
	}
	return err
}

func main() {
	log.SetOutput(os.Stderr)
	o, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "raft-node: %v\n", err)
		os.Exit(2)
	}
	out := newWriter(os.Stdout)
	// Every restore is reported, so a test can tell a snapshot installed from
	// the leader (more commands than this server ever held) from its own.
	fsm := newCommandLog(func(applied int) {
		out.emit(map[string]interface{}{"event": "restored", "applied": applied})
	})
	srv, err := start(o, fsm)
	if err != nil {
		fmt.Fprintf(os.Stderr, "raft-node: %v\n", err)
		os.Exit(1)
	}

	watchLeader(srv.raft, out)
	out.emit(map[string]interface{}{"event": "ready", "id": o.id, "addr": string(srv.transport.LocalAddr())})

	// Either a signal or the end of stdin (the driver went away) ends the
	// process; both shut raft down so the stores close cleanly.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	stdinDone := make(chan struct{})
	go func() {
		serveRequests(os.Stdin, srv, out)
		close(stdinDone)
	}()
	select {
	case sig := <-stop:
		log.Printf("raft-node: %v: shutting down", sig)
	case <-stdinDone:
		log.Printf("raft-node: stdin closed: shutting down")
	}
	if err := srv.shutdown(); err != nil {
		log.Printf("raft-node: shutdown: %v", err)
	}
	os.Exit(0)
}
