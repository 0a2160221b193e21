package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"sync"

	"github.com/hashicorp/raft"
)

// commandLog is the state machine every interop server runs: an append-only
// list of commands plus a running digest, so tests can compare servers of
// either implementation by one short string.
type commandLog struct {
	mu       sync.Mutex
	commands []string
	// digest hashes each applied command followed by "\n"; it is kept
	// running so "state" costs the same however long the log is.
	digest hash.Hash
	// onRestore is told how many commands a restored snapshot held.
	onRestore func(applied int)
}

func newCommandLog(onRestore func(applied int)) *commandLog {
	return &commandLog{digest: sha256.New(), onRestore: onRestore}
}

// Apply is called by raft's FSM goroutine once per committed command entry.
func (c *commandLog) Apply(entry *raft.Log) interface{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commands = append(c.commands, string(entry.Data))
	c.digest.Write(entry.Data)
	c.digest.Write([]byte{'\n'})
	return nil
}

// summary returns how many commands were applied and the digest over them.
func (c *commandLog) summary() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Sum appends to its argument and leaves the running state untouched.
	return len(c.commands), hex.EncodeToString(c.digest.Sum(nil))
}

// Snapshot captures the list as it is now. The list only ever grows (Restore
// swaps in a new one), so the prefix this slice header covers never changes
// and Persist can encode it while Apply carries on.
func (c *commandLog) Snapshot() (raft.FSMSnapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return commandSnapshot(c.commands[:len(c.commands):len(c.commands)]), nil
}

// Restore replaces the list with the snapshot's and recomputes the digest.
func (c *commandLog) Restore(r io.ReadCloser) error {
	defer r.Close()
	var commands []string
	if err := json.NewDecoder(r).Decode(&commands); err != nil {
		return err
	}
	digest := sha256.New()
	for _, cmd := range commands {
		io.WriteString(digest, cmd)
		digest.Write([]byte{'\n'})
	}
	c.mu.Lock()
	c.commands = commands
	c.digest = digest
	c.mu.Unlock()
	c.onRestore(len(commands))
	return nil
}

// commandSnapshot is persisted as the JSON array of the commands, the same
// bytes `shoal raft` writes, so either kind can install the other's snapshot.
type commandSnapshot []string

func (s commandSnapshot) Persist(sink raft.SnapshotSink) error {
	list := []string(s)
	if list == nil {
		list = []string{} // "[]", never "null"
	}
	// No HTML escaping and no trailing newline: as close as Go gets to the
	// bytes of JavaScript's JSON.stringify (readers parse, never compare).
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(list); err != nil {
		sink.Cancel()
		return err
	}
	if _, err := sink.Write(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s commandSnapshot) Release() {}
