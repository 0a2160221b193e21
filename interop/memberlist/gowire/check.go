package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"reflect"

	"github.com/hashicorp/go-msgpack/codec"
)

// checkCase is one output of our TypeScript encoder, with what it must decode to.
type checkCase struct {
	Name  string   `json:"name"`
	Kind  string   `json:"kind"` // packet | stream | lzw
	Keys  []string `json:"keys"`
	Label string   `json:"label"`
	Hex   string   `json:"hex"`
	// packet
	Crc       bool        `json:"crc"`
	Encrypted bool        `json:"encrypted"`
	Messages  []expectMsg `json:"messages"`
	Parts     []string    `json:"parts"` // each leaf message's bytes, which Go must re-encode identically
	// stream
	StreamKind string                   `json:"streamKind"`
	Header     map[string]interface{}   `json:"header"`
	Nodes      []map[string]interface{} `json:"nodes"`
	UserState  string                   `json:"userState"`
	UserMsg    string                   `json:"userMsg"`
	Message    *expectMsg               `json:"message"`
	// lzw
	Input string `json:"input"`
}

func runCheck(path string) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var file struct {
		Cases []checkCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	failed := 0
	for _, c := range file.Cases {
		var err error
		switch c.Kind {
		case "packet":
			err = checkPacket(c)
		case "stream":
			err = checkStream(c)
		case "lzw":
			err = checkLZW(c)
		default:
			err = fmt.Errorf("unknown kind %q", c.Kind)
		}
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", c.Name, err)
		}
	}
	out, _ := json.Marshal(map[string]int{"checked": len(file.Cases), "failed": failed})
	fmt.Println(string(out))
	if failed > 0 {
		return 1
	}
	return 0
}

func keysOf(c checkCase) [][]byte {
	var keys [][]byte
	for _, k := range c.Keys {
		keys = append(keys, mustHex(k))
	}
	return keys
}

// stripLabel follows label.go (v0.3+): [244][len][label], len ≥ 1.
func stripLabel(buf []byte) ([]byte, string, error) {
	if len(buf) == 0 || buf[0] != hasLabelMsg {
		return buf, "", nil
	}
	if len(buf) < 2 || buf[1] == 0 || len(buf) < 2+int(buf[1]) {
		return nil, "", fmt.Errorf("bad label header")
	}
	n := int(buf[1])
	return buf[2+n:], string(buf[2 : 2+n]), nil
}

type decodedPacket struct {
	crc, compressed bool
	messages        []expectMsg
	leaves          [][]byte
}

// decodePacketGo follows ingestPacket and handleCommand (label per v0.3+).
func decodePacketGo(raw []byte, keys [][]byte, wantLabel string) (*decodedPacket, error) {
	buf, label, err := stripLabel(raw)
	if err != nil {
		return nil, err
	}
	if label != wantLabel {
		return nil, fmt.Errorf("label %q, want %q", label, wantLabel)
	}
	if len(keys) > 0 {
		plain, err := decryptPayload(keys, buf, []byte(label))
		if err != nil {
			return nil, fmt.Errorf("decrypt: %v", err)
		}
		buf = plain
	}
	d := &decodedPacket{}
	d.crc = len(buf) >= 5 && buf[0] == hasCrcMsg
	if d.crc {
		if crc32.ChecksumIEEE(buf[5:]) != binary.BigEndian.Uint32(buf[1:5]) {
			return nil, fmt.Errorf("crc mismatch")
		}
		buf = buf[5:]
	}
	d.compressed = len(buf) > 0 && buf[0] == compressMsg
	if err := handleCommand(buf, &d.messages, &d.leaves, 0); err != nil {
		return nil, err
	}
	return d, nil
}

func checkPacket(c checkCase) error {
	d, err := decodePacketGo(mustHex(c.Hex), keysOf(c), c.Label)
	if err != nil {
		return err
	}
	if d.crc != c.Crc {
		return fmt.Errorf("crc present %v, want %v", d.crc, c.Crc)
	}
	if err := sameJSON(d.messages, c.Messages); err != nil {
		return err
	}
	if len(d.leaves) != len(c.Parts) {
		return fmt.Errorf("%d leaf messages, want %d", len(d.leaves), len(c.Parts))
	}
	for i, leaf := range d.leaves {
		if hx(leaf) != c.Parts[i] {
			return fmt.Errorf("leaf %d bytes differ", i)
		}
	}
	return nil
}

func handleCommand(buf []byte, got *[]expectMsg, leaves *[][]byte, depth int) error {
	if depth > 8 || len(buf) == 0 {
		return fmt.Errorf("empty or too deep")
	}
	t, body := buf[0], buf[1:]
	switch t {
	case compoundMsg:
		trunc, parts, err := decodeCompoundMessage(body)
		if err != nil {
			return err
		}
		if trunc > 0 {
			return fmt.Errorf("%d truncated compound parts", trunc)
		}
		for _, p := range parts {
			if err := handleCommand(p, got, leaves, depth+1); err != nil {
				return err
			}
		}
		return nil
	case compressMsg:
		var cm compress
		if err := decodeValue(body, &cm); err != nil {
			return err
		}
		payload, err := decompressBuffer(&cm)
		if err != nil {
			return err
		}
		return handleCommand(payload, got, leaves, depth+1)
	case userMsg:
		h := hx(body)
		*got = append(*got, expectMsg{Type: t, Raw: &h})
		*leaves = append(*leaves, buf)
		return nil
	}
	name := structForType(t)
	if name == "" || t == errMsg {
		return fmt.Errorf("message type %d not valid in a packet", t)
	}
	v, _ := newStruct(name)
	if err := decodeValue(body, v); err != nil {
		return fmt.Errorf("decode %s: %v", name, err)
	}
	// Go's own encoding of what it decoded must be byte-identical to ours.
	if re := encode(t, v); !bytes.Equal(re, buf) {
		return fmt.Errorf("%s: Go re-encodes %x, we sent %x", name, re, buf)
	}
	*got = append(*got, expectMsg{Type: t, Struct: name, Value: toJSONValue(v)})
	*leaves = append(*leaves, buf)
	return nil
}

type decodedStream struct {
	compressed bool
	value      map[string]interface{} // kind + the fields a checkCase names
}

// decodeStreamGo follows readStream, readRemoteState and readUserMsg.
func decodeStreamGo(raw []byte, keys [][]byte, wantLabel string) (*decodedStream, error) {
	buf, label, err := stripLabel(raw)
	if err != nil {
		return nil, err
	}
	if label != wantLabel {
		return nil, fmt.Errorf("label %q, want %q", label, wantLabel)
	}
	var r io.Reader = bufio.NewReader(bytes.NewReader(buf))
	var tb [1]byte
	if _, err := io.ReadFull(r, tb[:]); err != nil {
		return nil, err
	}
	msgType := tb[0]
	if msgType == encryptMsg {
		if len(keys) == 0 {
			return nil, fmt.Errorf("encrypted stream, no keys")
		}
		header := make([]byte, 5)
		header[0] = encryptMsg
		if _, err := io.ReadFull(r, header[1:]); err != nil {
			return nil, err
		}
		sealed := make([]byte, binary.BigEndian.Uint32(header[1:]))
		if _, err := io.ReadFull(r, sealed); err != nil {
			return nil, err
		}
		plain, err := decryptPayload(keys, sealed, append(header, []byte(label)...))
		if err != nil {
			return nil, fmt.Errorf("decrypt: %v", err)
		}
		msgType = plain[0]
		r = bytes.NewReader(plain[1:])
	} else if len(keys) > 0 {
		return nil, fmt.Errorf("stream not encrypted")
	}
	hd := codec.MsgpackHandle{}
	dec := codec.NewDecoder(r, &hd)
	d := &decodedStream{}
	if msgType == compressMsg {
		var cm compress
		if err := dec.Decode(&cm); err != nil {
			return nil, err
		}
		payload, err := decompressBuffer(&cm)
		if err != nil {
			return nil, err
		}
		d.compressed = true
		msgType = payload[0]
		r = bytes.NewReader(payload[1:])
		dec = codec.NewDecoder(r, &hd)
	}
	switch msgType {
	case pushPullMsg:
		var h pushPullHeader
		if err := dec.Decode(&h); err != nil {
			return nil, err
		}
		nodes := []map[string]interface{}{}
		for i := 0; i < h.Nodes; i++ {
			var n pushNodeState
			if err := dec.Decode(&n); err != nil {
				return nil, err
			}
			nodes = append(nodes, toJSONValue(&n))
		}
		user := make([]byte, h.UserStateLen)
		if _, err := io.ReadFull(r, user); err != nil {
			return nil, fmt.Errorf("user state: %v", err)
		}
		d.value = map[string]interface{}{"kind": "pushPull", "header": toJSONValue(&h), "nodes": nodes, "userState": hx(user)}
	case userMsg:
		var h userMsgHeader
		if err := dec.Decode(&h); err != nil {
			return nil, err
		}
		msg := make([]byte, h.UserMsgLen)
		if _, err := io.ReadFull(r, msg); err != nil {
			return nil, err
		}
		d.value = map[string]interface{}{"kind": "user", "userMsg": hx(msg)}
	default:
		name := structForType(msgType)
		if name == "" || msgType == compressMsg {
			return nil, fmt.Errorf("unexpected stream message type %d", msgType)
		}
		v, _ := newStruct(name)
		if err := dec.Decode(v); err != nil {
			return nil, err
		}
		d.value = map[string]interface{}{"kind": "message", "message": expectMsg{Type: msgType, Struct: name, Value: toJSONValue(v)}}
	}
	return d, nil
}

func checkStream(c checkCase) error {
	d, err := decodeStreamGo(mustHex(c.Hex), keysOf(c), c.Label)
	if err != nil {
		return err
	}
	want := map[string]interface{}{"kind": c.StreamKind}
	switch c.StreamKind {
	case "pushPull":
		want["header"], want["nodes"], want["userState"] = c.Header, c.Nodes, c.UserState
	case "user":
		want["userMsg"] = c.UserMsg
	case "message":
		want["message"] = c.Message
	}
	return sameJSON(d.value, want)
}

func checkLZW(c checkCase) error {
	input := mustHex(c.Input)
	out, err := decompressBuffer(&compress{Algo: 0, Buf: mustHex(c.Hex)})
	if err != nil {
		return err
	}
	if !bytes.Equal(out, input) {
		return fmt.Errorf("decompressed bytes differ")
	}
	if hx(lzwCompress(input)) != c.Hex {
		return fmt.Errorf("Go's compress/lzw output differs from ours")
	}
	return nil
}

// sameJSON compares two values after a JSON round trip (numbers, hex strings, nulls).
func sameJSON(got, want interface{}) error {
	var a, b interface{}
	ga, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	_ = json.Unmarshal(ga, &a)
	_ = json.Unmarshal(wb, &b)
	if !reflect.DeepEqual(a, b) {
		return fmt.Errorf("decoded %s, want %s", ga, wb)
	}
	return nil
}
