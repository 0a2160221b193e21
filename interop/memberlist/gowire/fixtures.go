package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/memberlist"
)

// expectMsg is one decoded message: a struct (Go field names) or, for UDP
// user messages, the raw bytes after the type byte.
type expectMsg struct {
	Type   uint8                  `json:"type"`
	Struct string                 `json:"struct,omitempty"`
	Value  map[string]interface{} `json:"value,omitempty"`
	Raw    *string                `json:"raw,omitempty"`
}

type messageFixture struct {
	Name string `json:"name"`
	expectMsg
	Hex string `json:"hex"`
}

type msgSpec struct {
	typ uint8
	val interface{} // struct pointer, or []byte for a raw user message
}

func (m msgSpec) bytes() []byte {
	if raw, ok := m.val.([]byte); ok {
		return append([]byte{m.typ}, raw...)
	}
	return encode(m.typ, m.val)
}

func (m msgSpec) expect() expectMsg {
	if raw, ok := m.val.([]byte); ok {
		h := hx(raw)
		return expectMsg{Type: m.typ, Raw: &h}
	}
	return expectMsg{Type: m.typ, Struct: structName(m.val), Value: toJSONValue(m.val)}
}

var (
	ip4      = []byte{127, 0, 0, 1}
	ip6map   = []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 7}
	vsn      = []byte{1, 5, 2, 0, 0, 0}
	longName = strings.Repeat("n", 40)
)

func allMessages() []messageFixture {
	var out []messageFixture
	add := func(name string, typ uint8, v interface{}) {
		m := msgSpec{typ, v}
		out = append(out, messageFixture{Name: name, expectMsg: m.expect(), Hex: hx(m.bytes())})
	}
	add("ping-full", pingMsg, &ping{SeqNo: 1, Node: "node-b", SourceAddr: ip4, SourcePort: 7946, SourceNode: "node-a"})
	add("ping-min", pingMsg, &ping{SeqNo: 1, Node: "node-b"})
	add("ping-empty-node", pingMsg, &ping{SeqNo: 0})
	add("ping-seq-max", pingMsg, &ping{SeqNo: 4294967295, Node: longName, SourceAddr: ip6map, SourcePort: 65535})
	add("indirect-ping-nack", indirectPingMsg, &indirectPingReq{SeqNo: 300, Target: ip4, Port: 7946, Node: "node-c", Nack: true, SourceAddr: ip4, SourcePort: 7947, SourceNode: "node-a"})
	add("indirect-ping-plain", indirectPingMsg, &indirectPingReq{SeqNo: 2, Target: ip6map, Port: 0, Node: "", Nack: false})
	add("ack-nil-payload", ackRespMsg, &ackResp{SeqNo: 1})
	add("ack-empty-payload", ackRespMsg, &ackResp{SeqNo: 128, Payload: []byte{}})
	add("ack-payload", ackRespMsg, &ackResp{SeqNo: 65536, Payload: bytes.Repeat([]byte{0xab}, 40)})
	for _, n := range []uint32{0, 127, 128, 255, 256, 65535, 65536, 70000, 4294967295} {
		add(fmt.Sprintf("nack-%d", n), nackRespMsg, &nackResp{SeqNo: n})
	}
	add("err", errMsg, &errResp{Error: "Remote state is encrypted and encryption is not configured"})
	add("err-empty", errMsg, &errResp{})
	add("suspect", suspectMsg, &suspect{Incarnation: 2, Node: "node-b", From: "node-a"})
	add("suspect-utf8", suspectMsg, &suspect{Incarnation: 1 << 20, Node: "nœud-ü", From: "節点"})
	add("alive-ip4", aliveMsg, &alive{Incarnation: 1, Node: "node-a", Addr: ip4, Port: 7946, Vsn: vsn})
	add("alive-ip6-meta", aliveMsg, &alive{Incarnation: 77, Node: longName, Addr: ip6map, Port: 1, Meta: []byte("role=db;zone=eu-west-1"), Vsn: []byte{1, 5, 5, 0, 2, 1}})
	add("alive-meta-512", aliveMsg, &alive{Incarnation: 5, Node: "m", Addr: ip4, Port: 80, Meta: bytes.Repeat([]byte{0x5a}, 512), Vsn: vsn})
	add("alive-meta-str32", aliveMsg, &alive{Incarnation: 6, Node: "big", Addr: ip4, Port: 80, Meta: bytes.Repeat([]byte{1}, 65536), Vsn: vsn})
	add("alive-empty-meta", aliveMsg, &alive{Incarnation: 3, Node: "node-e", Addr: ip4, Port: 7946, Meta: []byte{}, Vsn: vsn})
	add("dead", deadMsg, &dead{Incarnation: 9, Node: "node-b", From: "node-a"})
	add("dead-left", deadMsg, &dead{Incarnation: 9, Node: "node-b", From: "node-b"})
	add("user-udp", userMsg, []byte("hello, gossip"))
	add("user-udp-empty", userMsg, []byte{})
	add("compress-ping-min", compressMsg, &compress{Algo: 0, Buf: lzwCompress(encode(pingMsg, &ping{SeqNo: 1, Node: "node-b"}))})
	return out
}

// valueFixture is a msgpack value with no type byte (stream headers and node states).
type valueFixture struct {
	Name   string                 `json:"name"`
	Struct string                 `json:"struct"`
	Value  map[string]interface{} `json:"value"`
	Hex    string                 `json:"hex"`
}

func allValues() []valueFixture {
	var out []valueFixture
	add := func(name string, v interface{}) {
		out = append(out, valueFixture{Name: name, Struct: structName(v), Value: toJSONValue(v), Hex: hx(encodeValue(v))})
	}
	add("pushpull-header", &pushPullHeader{Nodes: 1, UserStateLen: 200, Join: true})
	add("pushpull-header-zero", &pushPullHeader{})
	add("pushpull-header-big", &pushPullHeader{Nodes: 1048576, UserStateLen: 20 * 1024 * 1024, Join: false})
	add("usermsg-header", &userMsgHeader{UserMsgLen: 5})
	add("usermsg-header-big", &userMsgHeader{UserMsgLen: 70000})
	add("node-state-alive", &pushNodeState{Name: "node-a", Addr: ip4, Port: 7946, Incarnation: 1, State: 0, Vsn: vsn})
	add("node-state-left-meta", &pushNodeState{Name: longName, Addr: ip6map, Port: 7000, Meta: []byte("x"), Incarnation: 4000000000, State: 3, Vsn: vsn})
	return out
}

type compoundFixture struct {
	Name      string      `json:"name"`
	Hex       string      `json:"hex"`
	Parts     []string    `json:"parts"`
	Truncated int         `json:"truncated"`
	Error     bool        `json:"error"`
	Messages  []expectMsg `json:"messages,omitempty"`
}

func allCompounds() []compoundFixture {
	var out []compoundFixture
	pingMin := msgSpec{pingMsg, &ping{SeqNo: 1, Node: "node-b"}}
	susp := msgSpec{suspectMsg, &suspect{Incarnation: 2, Node: "node-b", From: "node-a"}}
	made := func(name string, specs ...msgSpec) {
		var parts [][]byte
		var exp []expectMsg
		for _, s := range specs {
			parts = append(parts, s.bytes())
			exp = append(exp, s.expect())
		}
		c := makeCompoundMessage(parts)
		out = append(out, decodedCompound(name, c, exp))
	}
	made("ping-suspect", pingMin, susp)
	made("empty")
	var many []msgSpec
	for i := 0; i < 255; i++ {
		many = append(many, msgSpec{nackRespMsg, &nackResp{SeqNo: uint32(i)}})
	}
	made("255-nacks", many...)
	// Truncations of ping-suspect, as Go's decodeCompoundMessage reports them.
	whole := makeCompoundMessage([][]byte{pingMin.bytes(), susp.bytes()})
	for _, cut := range []int{1, 2, 3, 5, 6, 20, 26, 27, len(whole) - 1} {
		out = append(out, decodedCompound(fmt.Sprintf("ping-suspect-cut-%d", cut), whole[:cut], nil))
	}
	return out
}

func decodedCompound(name string, c []byte, exp []expectMsg) compoundFixture {
	trunc, parts, err := decodeCompoundMessage(c[1:])
	f := compoundFixture{Name: name, Hex: hx(c), Parts: []string{}, Truncated: trunc, Error: err != nil, Messages: exp}
	for _, p := range parts {
		f.Parts = append(f.Parts, hx(p))
	}
	return f
}

type lzwFixture struct {
	Name      string `json:"name"`
	Input     string `json:"input,omitempty"`     // hex, or empty when Generator is set
	Generator string `json:"generator,omitempty"` // "square-mod-251" or "xorshift32"
	Length    int    `json:"length"`
	Output    string `json:"output,omitempty"` // omitted for the largest vector: compare its SHA-256
	OutputSHA string `json:"outputSha256"`
	// The compressMsg frame compressPayload builds around Output.
	FrameSHA string `json:"frameSha256"`
	FrameLen int    `json:"frameLength"`
}

func squareMod251(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*i + 7*i) % 251)
	}
	return b
}

func xorshift32(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func allLZW() []lzwFixture {
	var out []lzwFixture
	add := func(name, gen string, inp []byte) {
		o := lzwCompress(inp)
		frame := compressPayload(inp)
		so := sha256.Sum256(o)
		sf := sha256.Sum256(frame)
		f := lzwFixture{Name: name, Generator: gen, Length: len(inp), Output: hx(o), OutputSHA: hx(so[:]), FrameSHA: hx(sf[:]), FrameLen: len(frame)}
		if gen == "" {
			f.Input = hx(inp)
		}
		if len(o) > 40000 {
			f.Output = ""
		}
		out = append(out, f)
	}
	add("empty", "", []byte{})
	add("one-byte", "", []byte{0x42})
	add("tobeornot", "", []byte("TOBEORNOTTOBEORTOBEORNOT"))
	add("run-kwkwk", "", bytes.Repeat([]byte{'a'}, 1000))
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	add("all-bytes", "", all)
	add("vector-a", "square-mod-251", squareMod251(20000))
	add("vector-b", "xorshift32", xorshift32(20000))
	add("xorshift-70000", "xorshift32", xorshift32(70000))
	return out
}

type keyringStep struct {
	Op    string   `json:"op"` // add | use | remove
	Key   string   `json:"key"`
	Error bool     `json:"error"`
	Keys  []string `json:"keys"` // GetKeys() after the step
}

type keyringFixture struct {
	Name    string        `json:"name"`
	Keys    []string      `json:"keys"`
	Primary string        `json:"primary"`
	Error   bool          `json:"error"`
	Initial []string      `json:"initial"`
	Steps   []keyringStep `json:"steps"`
}

// allKeyrings drives memberlist's exported Keyring API itself.
func allKeyrings() []keyringFixture {
	k := func(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }
	hexes := func(ks [][]byte) []string {
		out := []string{}
		for _, x := range ks {
			out = append(out, hx(x))
		}
		return out
	}
	type step struct {
		op  string
		key []byte
	}
	run := func(name string, keys [][]byte, primary []byte, steps ...step) keyringFixture {
		f := keyringFixture{Name: name, Keys: hexes(keys), Primary: hx(primary), Initial: []string{}, Steps: []keyringStep{}}
		ring, err := memberlist.NewKeyring(keys, primary)
		if err != nil {
			f.Error = true
			return f
		}
		f.Initial = hexes(ring.GetKeys())
		for _, s := range steps {
			var err error
			switch s.op {
			case "add":
				err = ring.AddKey(s.key)
			case "use":
				err = ring.UseKey(s.key)
			case "remove":
				err = ring.RemoveKey(s.key)
			}
			f.Steps = append(f.Steps, keyringStep{Op: s.op, Key: hx(s.key), Error: err != nil, Keys: hexes(ring.GetKeys())})
		}
		return f
	}
	a, b, c := k(1, 16), k(2, 24), k(3, 32)
	return []keyringFixture{
		run("empty", nil, nil),
		run("primary-only", nil, a, step{"add", b}, step{"add", b}, step{"use", b}, step{"remove", a}, step{"remove", b}),
		run("keys-and-primary", [][]byte{a, b, c}, b, step{"use", c}, step{"use", k(9, 16)}, step{"remove", c}, step{"remove", a}, step{"add", k(4, 15)}),
		run("primary-not-in-keys", [][]byte{a}, c, step{"remove", k(7, 16)}),
		run("keys-without-primary", [][]byte{a}, nil),
		run("bad-key-size", [][]byte{k(1, 17)}, a),
		run("bad-primary-size", nil, k(1, 8)),
	}
}

func writeJSON(dir, name string, v interface{}) {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644); err != nil {
		panic(err)
	}
}

const generatorNote = "Generated by interop/memberlist/fixtures-gen (Go memberlist 0.2.2, go-msgpack 0.5.5, Go stdlib compress/lzw and crypto/aes). Do not edit."

func runFixtures(dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	writeJSON(dir, "messages.json", map[string]interface{}{"note": generatorNote, "messages": allMessages(), "values": allValues()})
	writeJSON(dir, "compound.json", map[string]interface{}{"note": generatorNote, "compounds": allCompounds()})
	writeJSON(dir, "lzw.json", map[string]interface{}{"note": generatorNote, "lzw": allLZW()})
	writeJSON(dir, "keyring.json", map[string]interface{}{"note": generatorNote, "keyrings": allKeyrings()})
	writeJSON(dir, "packets.json", map[string]interface{}{"note": generatorNote, "packets": allPackets()})
	writeJSON(dir, "streams.json", map[string]interface{}{"note": generatorNote, "streams": allStreams()})
	writeJSON(dir, "captured.json", map[string]interface{}{
		"note":     "Captured from two live memberlist 0.2.2 nodes on its MockNetwork (interop/memberlist/gowire capture.go); nonces and sequence numbers vary per run. Do not edit.",
		"captured": allCaptures(),
	})
}
