// raft-log-bench times HashiCorp raft-boltdb's StoreLogs on a real disk for
// bench/raft-log.ts: one fresh BoltDB file in -dir, batches of -batch entries
// of -size bytes each, from -writers goroutines calling StoreLogs on the one
// store back to back (each reserves its batch's index range first, so the
// indexes stored are contiguous; bolt serialises the calls), until -count
// batches in all or -max-ms milliseconds, whichever comes first.
//
// With -fill N it first brings the store to a steady state, as a raft
// server's log is after running a while: N entries of -size bytes stored in
// batches of -fill-batch, the log compacted after each batch to its last
// -keep entries (DeleteRange from the head, as raft does after a snapshot),
// so bolt's freelist holds the pages the deleted entries took and the timed
// batches reuse them. The indexes continue from there.
//
// With -serve it reads commands from stdin: "store" stores one batch and
// answers {"us":LATENCY}; "run MS" runs the -writers goroutines back to back
// for MS milliseconds and answers {"batches":N,"elapsed_us":E,"us":[...]}
// (every call's latency); "compact" deletes all but the last -keep entries
// and answers {"first":F,"last":L}. A driver can so alternate it with other
// stores. At the end of stdin it prints the summary. Build:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o ../bin/raft-log-bench .
//
// Output (stdout, one JSON line):
//
//	{"impl":"raft-boltdb","writers":W,"batch":B,"size":S,"batches":N,
//	 "elapsed_ms":E,"batches_per_s":R,"entries_per_s":R,"p50_ms":P,
//	 "p99_ms":P,"max_ms":M,"first_index":F,"last_index":L,
//	 "latencies_us":[...]}   (latencies_us only with -samples)
//
// first_index and last_index are the store's after the run, warm-up batches
// included: with no gap, nothing lost and no -fill or compaction,
// L-F+1 = (batches+3)*batch.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb"
)

type result struct {
	Impl        string    `json:"impl"`
	Writers     int       `json:"writers"`
	Batch       int       `json:"batch"`
	Size        int       `json:"size"`
	Batches     int       `json:"batches"`
	ElapsedMs   float64   `json:"elapsed_ms"`
	BatchesPerS float64   `json:"batches_per_s"`
	EntriesPerS float64   `json:"entries_per_s"`
	P50Ms       float64   `json:"p50_ms"`
	P99Ms       float64   `json:"p99_ms"`
	MaxMs       float64   `json:"max_ms"`
	FirstIndex  uint64    `json:"first_index"`
	LastIndex   uint64    `json:"last_index"`
	LatenciesUs []float64 `json:"latencies_us,omitempty"`
}

// runReply answers a "run MS" command.
type runReply struct {
	Batches   int       `json:"batches"`
	ElapsedUs float64   `json:"elapsed_us"`
	Us        []float64 `json:"us"`
}

// warmupBatches are stored before timing starts: the first commits also
// grow the BoltDB file and allocate its first pages.
const warmupBatches = 3

func main() {
	batch := flag.Int("batch", 1, "entries per StoreLogs call")
	size := flag.Int("size", 128, "bytes of Data per entry")
	writers := flag.Int("writers", 1, "goroutines calling StoreLogs concurrently on the one store")
	count := flag.Int("count", 500, "timed batches at most (all writers together)")
	maxMs := flag.Int("max-ms", 2000, "time limit for the timed batches")
	dir := flag.String("dir", "", "directory for the BoltDB file (must exist)")
	samples := flag.Bool("samples", false, "also print every batch latency (µs)")
	serve := flag.Bool("serve", false, "read commands from stdin: 'store' (one batch), 'run MS' (the writers for MS ms) or 'compact'")
	fill := flag.Int("fill", 0, "entries stored and compacted away before the warm-up (a log in steady state)")
	fillBatch := flag.Int("fill-batch", 1024, "entries per StoreLogs call of -fill")
	keep := flag.Int("keep", 1024, "entries a compaction leaves")
	flag.Parse()
	if *dir == "" || *batch < 1 || *size < 0 || *count < 1 || *writers < 1 || *fill < 0 || *fillBatch < 1 || *keep < 0 {
		fmt.Fprintln(os.Stderr, "usage: raft-log-bench -dir DIR [-batch N] [-size BYTES] [-writers W] [-count N] [-max-ms MS] [-samples] [-serve] [-fill N [-fill-batch N]] [-keep N]")
		os.Exit(2)
	}
	store, err := raftboltdb.NewBoltStore(filepath.Join(*dir, "raft.db"))
	if err != nil {
		fail(err)
	}
	defer store.Close()

	data := make([]byte, *size)
	for i := range data {
		data[i] = byte(i)
	}
	var next uint64 = 1
	makeLogs := func(n int) []*raft.Log {
		// Reserve the batch's index range: the writers together store 1, 2, 3, ... with no gap.
		first := atomic.AddUint64(&next, uint64(n)) - uint64(n)
		logs := make([]*raft.Log, n)
		for i := range logs {
			logs[i] = &raft.Log{Index: first + uint64(i), Term: 1, Type: raft.LogCommand, Data: data}
		}
		return logs
	}
	makeBatch := func() []*raft.Log { return makeLogs(*batch) }
	// compact deletes all but the last -keep entries, as raft compacts its log after a snapshot.
	compact := func() (uint64, uint64) {
		first, err := store.FirstIndex()
		if err != nil {
			fail(err)
		}
		last, err := store.LastIndex()
		if err != nil {
			fail(err)
		}
		if last >= first+uint64(*keep) && last > uint64(*keep) {
			if err := store.DeleteRange(first, last-uint64(*keep)); err != nil {
				fail(err)
			}
			first = last - uint64(*keep) + 1
		}
		return first, last
	}
	for filled := 0; filled < *fill; filled += *fillBatch {
		n := *fillBatch
		if n > *fill-filled {
			n = *fill - filled
		}
		if err := store.StoreLogs(makeLogs(n)); err != nil {
			fail(err)
		}
		compact()
	}
	for i := 0; i < warmupBatches; i++ {
		if err := store.StoreLogs(makeBatch()); err != nil {
			fail(err)
		}
	}

	storeTimed := func() float64 {
		logs := makeBatch() // built outside the timed call, as raft builds them before StoreLogs
		t0 := time.Now()
		if err := store.StoreLogs(logs); err != nil {
			fail(err)
		}
		return float64(time.Since(t0).Nanoseconds()) / 1e3
	}

	// runWriters runs the writers back to back until the deadline or `limit`
	// batches in all; it returns every call's latency (µs) and the wall time.
	runWriters := func(deadline time.Duration, limit int) ([]float64, time.Duration) {
		var taken int64
		var mu sync.Mutex
		var wg sync.WaitGroup
		all := []float64{} // "us":[] rather than null when no call finished
		start := time.Now()
		for w := 0; w < *writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []float64
				for time.Since(start) < deadline && atomic.AddInt64(&taken, 1) <= int64(limit) {
					mine = append(mine, storeTimed())
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		return all, time.Since(start)
	}

	latencies := make([]float64, 0, *count)
	if *serve {
		fmt.Println(`{"ready":true}`)
		in := bufio.NewScanner(os.Stdin)
		total := 0.0 // seconds the store was being timed; between commands the time is the driver's
		for in.Scan() {
			line := strings.TrimSpace(in.Text())
			switch {
			case line == "store":
				us := storeTimed()
				latencies = append(latencies, us)
				total += us / 1e6
				fmt.Printf("{\"us\":%.3f}\n", us)
			case strings.HasPrefix(line, "run "):
				ms, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "run ")))
				if err != nil || ms < 1 {
					fail(fmt.Errorf("bad command %q", line))
				}
				us, elapsed := runWriters(time.Duration(ms)*time.Millisecond, math.MaxInt32)
				latencies = append(latencies, us...)
				total += elapsed.Seconds()
				out, _ := json.Marshal(runReply{Batches: len(us), ElapsedUs: float64(elapsed.Nanoseconds()) / 1e3, Us: us})
				fmt.Println(string(out))
			case line == "compact":
				first, last := compact()
				fmt.Printf("{\"first\":%d,\"last\":%d}\n", first, last)
			default:
				fail(fmt.Errorf("bad command %q", line))
			}
		}
		printResult(store, *writers, *batch, *size, latencies, total, *samples)
		return
	}
	us, elapsed := runWriters(time.Duration(*maxMs)*time.Millisecond, *count)
	printResult(store, *writers, *batch, *size, us, elapsed.Seconds(), *samples)
}

func printResult(store *raftboltdb.BoltStore, writers, batch, size int, latencies []float64, elapsed float64, samples bool) {
	r := result{Impl: "raft-boltdb", Writers: writers, Batch: batch, Size: size, Batches: len(latencies), ElapsedMs: elapsed * 1e3}
	var err error
	if r.FirstIndex, err = store.FirstIndex(); err != nil {
		fail(err)
	}
	if r.LastIndex, err = store.LastIndex(); err != nil {
		fail(err)
	}
	if len(latencies) > 0 {
		r.BatchesPerS = float64(len(latencies)) / elapsed
		r.EntriesPerS = r.BatchesPerS * float64(batch)
		sorted := append([]float64(nil), latencies...)
		sort.Float64s(sorted)
		r.P50Ms = quantile(sorted, 0.50) / 1e3
		r.P99Ms = quantile(sorted, 0.99) / 1e3
		r.MaxMs = sorted[len(sorted)-1] / 1e3
	}
	if samples {
		r.LatenciesUs = latencies
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
}

// quantile is the nearest-rank quantile of sorted, the same rule bench/raft-log.ts uses.
func quantile(sorted []float64, q float64) float64 {
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	if rank < 0 {
		rank = 0
	}
	return sorted[rank]
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "raft-log-bench:", err)
	os.Exit(1)
}
