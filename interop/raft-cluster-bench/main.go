// raft-cluster-bench runs three HashiCorp raft 1.1.2 servers in one process
// (raft-boltdb with fsync on, file snapshots, TCP transports on loopback),
// the "single" layout of bench/raft-cluster.ts. It bootstraps them, waits
// for a leader, prints {"event":"ready","leader":ID}, then answers `bench`
// requests on stdin (JSON lines, as interop/raft-node does) by applying on
// the leader. bench.go and fsm.go are interop/raft-node's, linked. Build:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o ../bin/raft-cluster-bench .
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/boltdb/bolt"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb"
)

const servers = 3

type member struct {
	raft      *raft.Raft
	transport *raft.NetworkTransport
	store     *raftboltdb.BoltStore
}

func failed(err error) map[string]interface{} {
	return map[string]interface{}{"ok": false, "error": err.Error()}
}

// openMember opens one server's stores and transport under dir/<id>.
func openMember(dir, id string) (*member, *raft.FileSnapshotStore, error) {
	path := filepath.Join(dir, id)
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, nil, err
	}
	// NoSync stays false: every log append is fsynced.
	store, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(path, "raft.db"), BoltOptions: &bolt.Options{Timeout: 5 * time.Second}})
	if err != nil {
		return nil, nil, err
	}
	snaps, err := raft.NewFileSnapshotStore(path, 2, os.Stderr)
	if err != nil {
		return nil, nil, err
	}
	// maxPool 3 and a 10 s RPC timeout, as interop/raft-node uses.
	transport, err := raft.NewTCPTransport("127.0.0.1:0", nil, 3, 10*time.Second, os.Stderr)
	if err != nil {
		return nil, nil, err
	}
	return &member{transport: transport, store: store}, snaps, nil
}

func startCluster(dir string) ([]*member, error) {
	members := make([]*member, servers)
	snaps := make([]*raft.FileSnapshotStore, servers)
	var cluster raft.Configuration
	for i := range members {
		id := fmt.Sprintf("s%d", i+1)
		m, s, err := openMember(dir, id)
		if err != nil {
			return nil, err
		}
		members[i], snaps[i] = m, s
		cluster.Servers = append(cluster.Servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(id), Address: m.transport.LocalAddr()})
	}
	for i, m := range members {
		conf := raft.DefaultConfig() // the same defaults interop/raft-node runs
		conf.LocalID = cluster.Servers[i].ID
		conf.LogOutput = os.Stderr
		conf.LogLevel = "WARN"
		if err := raft.BootstrapCluster(conf, m.store, m.store, snaps[i], m.transport, cluster); err != nil {
			return nil, err
		}
		r, err := raft.NewRaft(conf, newCommandLog(func(int) {}), m.store, m.store, snaps[i], m.transport)
		if err != nil {
			return nil, err
		}
		m.raft = r
	}
	return members, nil
}

func leaderOf(members []*member, timeout time.Duration) (int, error) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for i, m := range members {
			if m.raft.State() == raft.Leader {
				return i, nil
			}
		}
	}
	return -1, errors.New("no leader")
}

type request struct {
	Req                json.RawMessage `json:"req"`
	Op                 string          `json:"op"`
	Clients, Ops, Size int
}

func main() {
	log.SetOutput(os.Stderr)
	fs := flag.NewFlagSet("raft-cluster-bench", flag.ContinueOnError)
	fs.SetOutput(ioutil.Discard)
	dir := fs.String("dir", "", "directory for the three servers' stores")
	if err := fs.Parse(os.Args[1:]); err != nil || *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: raft-cluster-bench -dir DIR")
		os.Exit(2)
	}
	members, err := startCluster(*dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "raft-cluster-bench: %v\n", err)
		os.Exit(1)
	}
	out := json.NewEncoder(os.Stdout)
	leader, err := leaderOf(members, 30*time.Second)
	if err != nil {
		fmt.Fprintf(os.Stderr, "raft-cluster-bench: %v\n", err)
		os.Exit(1)
	}
	out.Encode(map[string]interface{}{"event": "ready", "leader": fmt.Sprintf("s%d", leader+1)})

	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var req request
		reply := map[string]interface{}{}
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			reply = failed(err)
		} else if req.Op != "bench" {
			reply = failed(fmt.Errorf("unknown op %q", req.Op))
		} else if leader, err = leaderOf(members, 10*time.Second); err != nil {
			reply = failed(err)
		} else {
			reply = runBench(members[leader].raft, req.Clients, req.Ops, req.Size)
		}
		reply["req"] = req.Req
		out.Encode(reply)
	}
	for _, m := range members {
		m.raft.Shutdown().Error()
		m.transport.Close()
		m.store.Close()
	}
}
