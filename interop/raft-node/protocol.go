package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// writer serialises JSON lines from the many goroutines that answer requests
// and report events, one whole line per write.
type writer struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newWriter(w io.Writer) *writer {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &writer{enc: enc}
}

func (w *writer) emit(v interface{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.enc.Encode(v); err != nil {
		log.Printf("raft-node: stdout: %v", err)
	}
}

// request is one stdin line. Req is kept raw so the reply echoes the
// driver's number exactly, however large.
type request struct {
	Req  json.RawMessage `json:"req"`
	Op   string          `json:"op"`
	Data *string         `json:"data"`
	ID   string          `json:"id"`
	Addr string          `json:"addr"`
	// Clients, Ops and Size are the bench op's (bench.go).
	Clients, Ops, Size int
}

// opTimeout bounds how long raft may take to accept a membership change (the
// calls' enqueue timeout); commitment itself is waited for.
const opTimeout = 10 * time.Second

// serveRequests reads requests until stdin ends, handling each in its own
// goroutine so many applies can be in flight and batched by raft, and waits
// for the outstanding ones before returning.
func serveRequests(in io.Reader, srv *server, out *writer) {
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 64*1024), 64*1024*1024)
	var pending sync.WaitGroup
	for scanner.Scan() {
		line := scanner.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		var req request
		if err := json.Unmarshal(line, &req); err != nil {
			out.emit(map[string]interface{}{"req": nil, "ok": false, "error": "bad request: " + err.Error()})
			continue
		}
		if _, err := strconv.ParseFloat(string(req.Req), 64); err != nil {
			out.emit(map[string]interface{}{"req": nil, "ok": false, "error": "bad request: req must be a number"})
			continue
		}
		pending.Add(1)
		go func() {
			defer pending.Done()
			reply := handle(srv, &req)
			reply["req"] = req.Req
			out.emit(reply)
		}()
	}
	if err := scanner.Err(); err != nil {
		log.Printf("raft-node: stdin: %v", err)
	}
	pending.Wait()
}

func failed(err error) map[string]interface{} {
	return map[string]interface{}{"ok": false, "error": err.Error()}
}

func done(err error) map[string]interface{} {
	if err != nil {
		return failed(err)
	}
	return map[string]interface{}{"ok": true}
}

func handle(srv *server, req *request) map[string]interface{} {
	r := srv.raft
	switch req.Op {
	case "apply":
		if req.Data == nil {
			return failed(errors.New("apply needs data"))
		}
		f := r.Apply([]byte(*req.Data), srv.applyTimeout)
		if err := f.Error(); err != nil {
			return failed(err)
		}
		return map[string]interface{}{"ok": true, "index": f.Index()}
	case "state":
		return stateOf(srv)
	case "add_voter":
		if req.ID == "" || req.Addr == "" {
			return failed(errors.New("add_voter needs id and addr"))
		}
		return done(r.AddVoter(raft.ServerID(req.ID), raft.ServerAddress(req.Addr), 0, opTimeout).Error())
	case "remove":
		if req.ID == "" {
			return failed(errors.New("remove needs id"))
		}
		return done(r.RemoveServer(raft.ServerID(req.ID), 0, opTimeout).Error())
	case "transfer":
		// An optional target; without one raft picks the most up-to-date voter.
		if req.ID != "" || req.Addr != "" {
			if req.ID == "" || req.Addr == "" {
				return failed(errors.New("transfer to a server needs both id and addr"))
			}
			return done(r.LeadershipTransferToServer(raft.ServerID(req.ID), raft.ServerAddress(req.Addr)).Error())
		}
		return done(r.LeadershipTransfer().Error())
	case "snapshot":
		return done(r.Snapshot().Error())
	case "configuration":
		return configurationOf(r)
	case "bench":
		return runBench(r, req.Clients, req.Ops, req.Size)
	default:
		return failed(fmt.Errorf("unknown op %q", req.Op))
	}
}

// configurationOf lists the latest configuration's servers, committed or not.
func configurationOf(r *raft.Raft) map[string]interface{} {
	f := r.GetConfiguration()
	if err := f.Error(); err != nil {
		return failed(err)
	}
	servers := []map[string]interface{}{}
	for _, s := range f.Configuration().Servers {
		servers = append(servers, map[string]interface{}{"id": string(s.ID), "addr": string(s.Address), "suffrage": strings.ToLower(s.Suffrage.String())})
	}
	return map[string]interface{}{"ok": true, "servers": servers}
}

func stateOf(srv *server) map[string]interface{} {
	// Stats reads term and commit index under raft's own locks; it is the
	// only public way to get them in 1.1.2.
	stats := srv.raft.Stats()
	term, _ := strconv.ParseUint(stats["term"], 10, 64)
	commit, _ := strconv.ParseUint(stats["commit_index"], 10, 64)
	applied, digest := srv.fsm.summary()
	return map[string]interface{}{
		"ok":            true,
		"state":         strings.ToLower(srv.raft.State().String()),
		"term":          term,
		"commit_index":  commit,
		"applied_index": srv.raft.AppliedIndex(),
		"last_index":    srv.raft.LastIndex(),
		"applied":       applied,
		"digest":        digest,
	}
}

// watchLeader reports every leader change raft observes. Raft 1.1.2 knows a
// leader only by address (its RPCs carry no IDs), so the ID comes from the
// latest configuration, retried briefly: a server that just joined can hear
// from the leader before it has stored the entry that lists it.
func watchLeader(r *raft.Raft, out *writer) {
	ch := make(chan raft.Observation, 256)
	// Non-blocking: raft must never stall on us; the buffer is far deeper
	// than the leader changes a test can cause.
	r.RegisterObserver(raft.NewObserver(ch, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.LeaderObservation)
		return ok
	}))
	go func() {
		for o := range ch {
			addr := o.Data.(raft.LeaderObservation).Leader
			event := map[string]interface{}{"event": "leader", "leader": nil, "term": currentTerm(r)}
			if addr != "" {
				event["leader"] = leaderID(r, addr)
				event["addr"] = string(addr)
			}
			out.emit(event)
		}
	}()
}

func currentTerm(r *raft.Raft) uint64 {
	term, _ := strconv.ParseUint(r.Stats()["term"], 10, 64)
	return term
}

// leaderID maps a leader's address to its ID through the configuration,
// falling back to the address itself if no entry names it within a second.
func leaderID(r *raft.Raft, addr raft.ServerAddress) string {
	for attempt := 0; attempt < 20; attempt++ {
		f := r.GetConfiguration()
		if err := f.Error(); err != nil {
			break // shut down
		}
		for _, s := range f.Configuration().Servers {
			if s.Address == addr {
				return string(s.ID)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Printf("raft-node: no server in the configuration has address %s", addr)
	return string(addr)
}
