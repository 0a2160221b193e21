package main

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"syscall"
	"time"
)

// cpuTime is user+system CPU time of the whole process (all threads, GC included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchAlives are the three alive messages bench/memberlist-wire.ts uses.
func benchAlives() []alive {
	var out []alive
	for i := 0; i < 3; i++ {
		out = append(out, alive{
			Incarnation: uint32(100 + i),
			Node:        fmt.Sprintf("node-%02d.cluster.local", i),
			Addr:        []byte{10, 0, 0, byte(10 + i)},
			Port:        7946,
			Meta:        []byte("role=web;zone=eu-west-1a"),
			Vsn:         []byte{1, 5, 2, 0, 0, 0},
		})
	}
	return out
}

// gossipRoundTrip is one op: what rawSendMsgPacket does to gossip (compound,
// CRC, AES-GCM v1 with a crypto/rand nonce) and what ingestPacket plus
// handleCommand do on receipt (decrypt, CRC check, split, decode each alive).
func gossipRoundTrip(msgs []alive, key []byte) (int, error) {
	parts := make([][]byte, len(msgs))
	for i := range msgs {
		parts[i] = encode(aliveMsg, &msgs[i])
	}
	packet := withCrc(makeCompoundMessage(parts))
	nonce := make([]byte, 12)
	if _, err := rand.Read(nonce); err != nil {
		return 0, err
	}
	sealed := encryptPayload(1, key, nonce, packet, nil)

	plain, err := decryptPayload([][]byte{key}, sealed, nil)
	if err != nil {
		return 0, err
	}
	if crc32.ChecksumIEEE(plain[5:]) != binary.BigEndian.Uint32(plain[1:5]) {
		return 0, fmt.Errorf("crc")
	}
	_, got, err := decodeCompoundMessage(plain[6:])
	if err != nil || len(got) != len(msgs) {
		return 0, fmt.Errorf("compound: %v", err)
	}
	for _, p := range got {
		var a alive
		if err := decodeValue(p[1:], &a); err != nil {
			return 0, err
		}
	}
	return len(sealed), nil
}

func runBench(n int) {
	msgs := benchAlives()
	key := make([]byte, 32)
	var size int
	for i := 0; i < n/10+1; i++ { // warm up
		if _, err := gossipRoundTrip(msgs, key); err != nil {
			panic(err)
		}
	}
	start := time.Now()
	cpuStart := cpuTime()
	for i := 0; i < n; i++ {
		s, err := gossipRoundTrip(msgs, key)
		if err != nil {
			panic(err)
		}
		size = s
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpuStart
	nsPerOp := float64(elapsed.Nanoseconds()) / float64(n)
	out, _ := json.Marshal(map[string]interface{}{
		"bench":         "memberlist-wire/gossip-3-alive-crc-aes256gcm",
		"impl":          "go",
		"iterations":    n,
		"packet_bytes":  size,
		"ns_per_op":     nsPerOp,
		"cpu_ns_per_op": float64(cpu.Nanoseconds()) / float64(n),
		"mb_per_s":      float64(size) / nsPerOp * 1e3,
	})
	fmt.Fprintln(os.Stdout, string(out))
}
