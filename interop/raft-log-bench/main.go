// raft-log-bench times HashiCorp raft-boltdb's StoreLogs on a real disk for
// bench/raft-log.ts: one fresh BoltDB file in -dir, batches of -batch entries
// of -size bytes each, until -count batches or -max-ms milliseconds, whichever
// comes first. With -serve it stores one batch per line read from stdin and
// answers {"us":LATENCY} for each, so a driver can alternate it batch by batch
// with other stores; at the end of stdin it prints the summary. Build:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o ../bin/raft-log-bench .
//
// Output (stdout, one JSON line):
//
//	{"impl":"raft-boltdb","batch":B,"size":S,"batches":N,"elapsed_ms":E,
//	 "batches_per_s":R,"entries_per_s":R,"p50_ms":P,"p99_ms":P,"max_ms":M,
//	 "latencies_us":[...]}   (latencies_us only with -samples)
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
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb"
)

type result struct {
	Impl        string    `json:"impl"`
	Batch       int       `json:"batch"`
	Size        int       `json:"size"`
	Batches     int       `json:"batches"`
	ElapsedMs   float64   `json:"elapsed_ms"`
	BatchesPerS float64   `json:"batches_per_s"`
	EntriesPerS float64   `json:"entries_per_s"`
	P50Ms       float64   `json:"p50_ms"`
	P99Ms       float64   `json:"p99_ms"`
	MaxMs       float64   `json:"max_ms"`
	LatenciesUs []float64 `json:"latencies_us,omitempty"`
}

// warmupBatches are stored before timing starts: the first commits also
// grow the BoltDB file and allocate its first pages.
const warmupBatches = 3

func main() {
	batch := flag.Int("batch", 1, "entries per StoreLogs call")
	size := flag.Int("size", 128, "bytes of Data per entry")
	count := flag.Int("count", 500, "timed batches at most")
	maxMs := flag.Int("max-ms", 2000, "time limit for the timed batches")
	dir := flag.String("dir", "", "directory for the BoltDB file (must exist)")
	samples := flag.Bool("samples", false, "also print every batch latency (µs)")
	serve := flag.Bool("serve", false, "store one batch per stdin line, answering its latency")
	flag.Parse()
	if *dir == "" || *batch < 1 || *size < 0 || *count < 1 {
		fmt.Fprintln(os.Stderr, "usage: raft-log-bench -dir DIR [-batch N] [-size BYTES] [-count N] [-max-ms MS] [-samples]")
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
	next := uint64(1)
	makeBatch := func() []*raft.Log {
		logs := make([]*raft.Log, *batch)
		for i := range logs {
			logs[i] = &raft.Log{Index: next, Term: 1, Type: raft.LogCommand, Data: data}
			next++
		}
		return logs
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

	latencies := make([]float64, 0, *count)
	if *serve {
		fmt.Println(`{"ready":true}`)
		in := bufio.NewScanner(os.Stdin)
		total := 0.0
		for in.Scan() {
			us := storeTimed()
			latencies = append(latencies, us)
			total += us
			fmt.Printf("{\"us\":%.3f}\n", us)
		}
		// Interleaved, the wall time between batches is the driver's: throughput counts time inside StoreLogs.
		printResult(*batch, *size, latencies, total/1e6, *samples)
		return
	}
	deadline := time.Duration(*maxMs) * time.Millisecond
	start := time.Now()
	for len(latencies) < *count && time.Since(start) < deadline {
		latencies = append(latencies, storeTimed())
	}
	printResult(*batch, *size, latencies, time.Since(start).Seconds(), *samples)
}

func printResult(batch, size int, latencies []float64, elapsed float64, samples bool) {
	r := result{Impl: "raft-boltdb", Batch: batch, Size: size, Batches: len(latencies), ElapsedMs: elapsed * 1e3}
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
