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

// checkPacket follows ingestPacket and handleCommand.
func checkPacket(c checkCase) error {
	buf, label, err := stripLabel(mustHex(c.Hex))
	if err != nil {
		return err
	}
	if label != c.Label {
		return fmt.Errorf("label %q, want %q", label, c.Label)
	}
	if keys := keysOf(c); len(keys) > 0 {
		plain, err := decryptPayload(keys, buf, []byte(label))
		if err != nil {
			return fmt.Errorf("decrypt: %v", err)
		}
		buf = plain
	}
	hasCrc := len(buf) >= 5 && buf[0] == hasCrcMsg
	if hasCrc != c.Crc {
		return fmt.Errorf("crc present %v, want %v", hasCrc, c.Crc)
	}
	if hasCrc {
		if crc32.ChecksumIEEE(buf[5:]) != binary.BigEndian.Uint32(buf[1:5]) {
			return fmt.Errorf("crc mismatch")
		}
		buf = buf[5:]
	}
	var got []expectMsg
	var leaves [][]byte
	if err := handleCommand(buf, &got, &leaves, 0); err != nil {
		return err
	}
	if err := sameJSON(got, c.Messages); err != nil {
		return err
	}
	if len(leaves) != len(c.Parts) {
		return fmt.Errorf("%d leaf messages, want %d", len(leaves), len(c.Parts))
	}
	for i, leaf := range leaves {
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

// checkStream follows readStream, readRemoteState and readUserMsg.
func checkStream(c checkCase) error {
	buf, label, err := stripLabel(mustHex(c.Hex))
	if err != nil {
		return err
	}
	if label != c.Label {
		return fmt.Errorf("label %q, want %q", label, c.Label)
	}
	var r io.Reader = bufio.NewReader(bytes.NewReader(buf))
	var tb [1]byte
	if _, err := io.ReadFull(r, tb[:]); err != nil {
		return err
	}
	msgType := tb[0]
	keys := keysOf(c)
	if msgType == encryptMsg {
		if len(keys) == 0 {
			return fmt.Errorf("encrypted stream, no keys")
		}
		header := make([]byte, 5)
		header[0] = encryptMsg
		if _, err := io.ReadFull(r, header[1:]); err != nil {
			return err
		}
		n := binary.BigEndian.Uint32(header[1:])
		sealed := make([]byte, n)
		if _, err := io.ReadFull(r, sealed); err != nil {
			return err
		}
		plain, err := decryptPayload(keys, sealed, append(header, []byte(label)...))
		if err != nil {
			return fmt.Errorf("decrypt: %v", err)
		}
		msgType = plain[0]
		r = bytes.NewReader(plain[1:])
	} else if len(keys) > 0 {
		return fmt.Errorf("stream not encrypted")
	}
	hd := codec.MsgpackHandle{}
	dec := codec.NewDecoder(r, &hd)
	if msgType == compressMsg {
		var cm compress
		if err := dec.Decode(&cm); err != nil {
			return err
		}
		payload, err := decompressBuffer(&cm)
		if err != nil {
			return err
		}
		msgType = payload[0]
		r = bytes.NewReader(payload[1:])
		dec = codec.NewDecoder(r, &hd)
	}
	switch c.StreamKind {
	case "pushPull":
		if msgType != pushPullMsg {
			return fmt.Errorf("type %d, want pushPull", msgType)
		}
		var h pushPullHeader
		if err := dec.Decode(&h); err != nil {
			return err
		}
		nodes := []map[string]interface{}{}
		for i := 0; i < h.Nodes; i++ {
			var n pushNodeState
			if err := dec.Decode(&n); err != nil {
				return err
			}
			nodes = append(nodes, toJSONValue(&n))
		}
		user := make([]byte, h.UserStateLen)
		if _, err := io.ReadFull(r, user); err != nil {
			return fmt.Errorf("user state: %v", err)
		}
		if err := sameJSON(toJSONValue(&h), c.Header); err != nil {
			return err
		}
		if err := sameJSON(nodes, c.Nodes); err != nil {
			return err
		}
		if hx(user) != c.UserState {
			return fmt.Errorf("user state %x, want %s", user, c.UserState)
		}
	case "user":
		if msgType != userMsg {
			return fmt.Errorf("type %d, want user", msgType)
		}
		var h userMsgHeader
		if err := dec.Decode(&h); err != nil {
			return err
		}
		msg := make([]byte, h.UserMsgLen)
		if _, err := io.ReadFull(r, msg); err != nil {
			return err
		}
		if hx(msg) != c.UserMsg {
			return fmt.Errorf("user message %x, want %s", msg, c.UserMsg)
		}
	case "message":
		name := structForType(msgType)
		if name == "" || c.Message == nil || msgType != c.Message.Type {
			return fmt.Errorf("unexpected type %d", msgType)
		}
		v, _ := newStruct(name)
		if err := dec.Decode(v); err != nil {
			return err
		}
		if err := sameJSON(expectMsg{Type: msgType, Struct: name, Value: toJSONValue(v)}, *c.Message); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown stream kind %q", c.StreamKind)
	}
	return nil
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
