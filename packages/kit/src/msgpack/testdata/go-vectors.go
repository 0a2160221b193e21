// Prints golden msgpack encodings from go-msgpack 0.5.5 (the codec of memberlist 0.2.2 and
// raft 1.1.2) for go-vectors.test.ts. Regenerate with:
//   GO111MODULE=off GOPATH=/usr/share/gocode go run go-vectors.go
package main

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-msgpack/codec"
)

type Ints struct {
	I   int
	I8  int8
	I64 int64
	U   uint64
	U8  uint8
	F   float64
	B   bool
}

type WithTime struct {
	At time.Time
}

type Inner struct {
	Name string
	N    uint16
}

type Shapes struct {
	S      string
	Raw    []byte
	Nums   []uint32
	Inners []Inner
	Ptr    *Inner
	Tags   map[string]int
	Omit   string `codec:",omitempty"`
}

func enc(v interface{}) string {
	var out []byte
	h := codec.MsgpackHandle{}
	if err := codec.NewEncoderBytes(&out, &h).Encode(v); err != nil {
		panic(err)
	}
	return hex.EncodeToString(out)
}

func main() {
	for _, i := range []int64{0, 127, 128, 200, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649} {
		fmt.Printf("ints %d %s\n", i, enc(Ints{I: int(i), I64: i}))
	}
	fmt.Printf("mix %s\n", enc(Ints{I: -5, I8: -100, I64: 1 << 40, U: 1<<53 - 1, U8: 200, F: 1.5, B: true}))
	fmt.Printf("time-zero %s\n", enc(WithTime{}))
	fmt.Printf("time-2006 %s\n", enc(WithTime{At: time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)}))
	fmt.Printf("time-nano %s\n", enc(WithTime{At: time.Date(2022, 7, 8, 22, 47, 48, 235162000, time.UTC)}))
	fmt.Printf("time-zone %s\n", enc(WithTime{At: time.Date(2022, 7, 8, 22, 47, 48, 1, time.FixedZone("X", 2*3600+30*60))}))
	fmt.Printf("time-zone-sec %s\n", enc(WithTime{At: time.Date(1900, 7, 8, 22, 47, 48, 1, time.FixedZone("LMT", -(4*3600+56*60+2)))}))
	fmt.Printf("time-zone-zero %s\n", enc(WithTime{At: time.Date(2022, 7, 8, 22, 47, 48, 1, time.FixedZone("Z0", 0))}))
	fmt.Printf("shapes-nil %s\n", enc(Shapes{}))
	fmt.Printf("shapes-empty %s\n", enc(Shapes{Raw: []byte{}, Nums: []uint32{}, Inners: []Inner{}, Tags: map[string]int{}}))
	fmt.Printf("shapes-full %s\n", enc(Shapes{
		S:      strings.Repeat("s", 31),
		Raw:    []byte(strings.Repeat("r", 32)),
		Nums:   []uint32{1, 300, 70000},
		Inners: []Inner{{Name: "a", N: 1}, {Name: "b", N: 65535}},
		Ptr:    &Inner{Name: "p"},
		Tags:   map[string]int{"k": 200},
		Omit:   "x",
	}))
	// Long values: only the headers are printed (the payload is the repeated byte).
	fmt.Printf("str-32 %s\n", enc(strings.Repeat("z", 32))[:6])
	fmt.Printf("str-255 %s\n", enc(strings.Repeat("z", 255))[:6])
	fmt.Printf("str-256 %s\n", enc(strings.Repeat("z", 256))[:6])
	fmt.Printf("str-65535 %s\n", enc(strings.Repeat("z", 65535))[:6])
	fmt.Printf("str-65536 %s\n", enc(strings.Repeat("z", 65536))[:10])
	fmt.Printf("bytes-65536 %s\n", enc([]byte(strings.Repeat("z", 65536)))[:10])
	fmt.Printf("array-15 %s\n", enc(make([]uint32, 15))[:2])
	fmt.Printf("array-16 %s\n", enc(make([]uint32, 16))[:6])
	fmt.Printf("array-65536 %s\n", enc(make([]uint32, 65536))[:10])
	m := map[uint32]bool{}
	for i := uint32(0); i < 16; i++ {
		m[i] = true
	}
	fmt.Printf("map-16 %s\n", enc(m)[:6])
}
