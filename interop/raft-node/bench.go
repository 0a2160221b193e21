package main

// The `bench` request: `clients` goroutines calling Apply on this process's
// raft, `ops` applies in all, each command `size` bytes. shoal's counterpart
// is packages/cli/src/commands/raft-bench-op.ts; both time Apply from inside
// the leader's process. interop/raft-cluster-bench links this same file.

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/raft"
)

const (
	benchMaxClients = 4096
	benchMaxOps     = 10000000
	benchMaxSize    = 1 << 20
	// benchApplyTimeout bounds Apply's enqueue, as the apply op's does.
	benchApplyTimeout = 10 * time.Second
)

// benchCommand is a distinct printable command of exactly size bytes: the
// op's number padded with dots (shoal's command() builds the same bytes).
func benchCommand(n int, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = '.'
	}
	copy(b, strconv.Itoa(n))
	return b
}

// quantile is the nearest-rank quantile of sorted, in ms.
func quantile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	return float64(sorted[i]) / float64(time.Millisecond)
}

// cpuTime is the user + system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssMB reads the process's resident set size from /proc.
func rssMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fields := strings.Fields(s.Text()); len(fields) >= 2 && fields[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(fields[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func runBench(r *raft.Raft, clients, ops, size int) map[string]interface{} {
	for _, p := range []struct {
		name       string
		value, max int
	}{{"clients", clients, benchMaxClients}, {"ops", ops, benchMaxOps}, {"size", size, benchMaxSize}} {
		if p.value < 1 || p.value > p.max {
			return failed(fmt.Errorf("bench needs %s, an integer in [1, %d]", p.name, p.max))
		}
	}
	if clients > ops {
		clients = ops
	}
	var next int64 = -1
	var mu sync.Mutex
	var firstErr error
	latencies := make([]time.Duration, 0, ops)
	var wg sync.WaitGroup
	started := time.Now()
	cpuBefore := cpuTime()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, ops/clients+1)
			for {
				n := atomic.AddInt64(&next, 1)
				if n >= int64(ops) {
					break
				}
				data := benchCommand(int(n), size)
				t0 := time.Now()
				if err := r.Apply(data, benchApplyTimeout).Error(); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					break
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(started)
	cpu := cpuTime() - cpuBefore
	if firstErr != nil {
		return failed(errors.New("bench: " + firstErr.Error()))
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	return map[string]interface{}{
		"ok":         true,
		"ops":        len(latencies),
		"elapsed_ms": float64(elapsed) / float64(time.Millisecond),
		"p50_ms":     quantile(latencies, 0.5),
		"p99_ms":     quantile(latencies, 0.99),
		"max_ms":     quantile(latencies, 1),
		"rss_mb":     rssMB(),
		// CPU time of the whole process during the run, per apply.
		"cpu_ms_per_op": float64(cpu) / float64(time.Millisecond) / math.Max(1, float64(len(latencies))),
	}
}
