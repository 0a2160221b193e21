// raft-snapshot drives Go raft's FileSnapshotStore (raft 1.1.2) so shoal's
// store can be checked against it on the same directory.
//
//	raft-snapshot write <dir> <term> <index> <dataFile>   prints {"id": ...}
//	raft-snapshot read <dir>                              prints the newest snapshot
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"strconv"

	"github.com/hashicorp/raft"
)

const retain = 2

// testConfiguration has one server of each suffrage, so the legacy Peers
// field (voters only) and every Suffrage value are exercised.
func testConfiguration() raft.Configuration {
	return raft.Configuration{Servers: []raft.Server{
		{Suffrage: raft.Voter, ID: "n1", Address: "127.0.0.1:7000"},
		{Suffrage: raft.Nonvoter, ID: "n2", Address: "127.0.0.1:7001"},
		{Suffrage: raft.Staging, ID: "n<3>&", Address: "[::1]:7002"},
	}}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "raft-snapshot: "+format+"\n", args...)
	os.Exit(1)
}

func parseUint(s string) uint64 {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		fail("bad number %q: %v", s, err)
	}
	return v
}

func writeSnapshot(dir string, term, index uint64, dataFile string) {
	store, err := raft.NewFileSnapshotStore(dir, retain, os.Stderr)
	if err != nil {
		fail("open store: %v", err)
	}
	_, trans := raft.NewInmemTransport("127.0.0.1:7000")
	sink, err := store.Create(1, index, term, testConfiguration(), 1, trans)
	if err != nil {
		fail("create: %v", err)
	}
	data, err := os.Open(dataFile)
	if err != nil {
		sink.Cancel()
		fail("data: %v", err)
	}
	defer data.Close()
	if _, err := io.Copy(sink, data); err != nil {
		sink.Cancel()
		fail("write: %v", err)
	}
	if err := sink.Close(); err != nil {
		fail("close: %v", err)
	}
	printJSON(map[string]interface{}{"id": sink.ID()})
}

func readNewest(dir string) {
	store, err := raft.NewFileSnapshotStore(dir, retain, os.Stderr)
	if err != nil {
		fail("open store: %v", err)
	}
	metas, err := store.List()
	if err != nil {
		fail("list: %v", err)
	}
	if len(metas) == 0 {
		fail("no snapshots in %s", dir)
	}
	ids := make([]string, 0, len(metas))
	for _, m := range metas {
		ids = append(ids, m.ID)
	}
	meta, reader, err := store.Open(metas[0].ID)
	if err != nil {
		fail("open %s: %v", metas[0].ID, err)
	}
	defer reader.Close()
	state, err := ioutil.ReadAll(reader)
	if err != nil {
		fail("read %s: %v", meta.ID, err)
	}
	printJSON(map[string]interface{}{"ids": ids, "meta": meta, "state": state})
}

func printJSON(v interface{}) {
	if err := json.NewEncoder(os.Stdout).Encode(v); err != nil {
		fail("encode: %v", err)
	}
}

func main() {
	args := os.Args[1:]
	switch {
	case len(args) == 5 && args[0] == "write":
		writeSnapshot(args[1], parseUint(args[2]), parseUint(args[3]), args[4])
	case len(args) == 2 && args[0] == "read":
		readNewest(args[1])
	default:
		fail("usage: raft-snapshot write <dir> <term> <index> <dataFile> | read <dir>")
	}
}
