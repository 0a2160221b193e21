package main

import (
	"bytes"
	"fmt"
)

type streamOpts struct {
	compress bool // EnableCompression: streams always compress when on
	key      []byte
	version  uint8
	label    string
}

type streamFixture struct {
	Name        string                   `json:"name"`
	Description string                   `json:"description"`
	Keys        []string                 `json:"keys"`
	Version     *uint8                   `json:"version"`
	Label       string                   `json:"label"`
	Nonce       *string                  `json:"nonce"`
	Compressed  bool                     `json:"compressed"`
	Inner       string                   `json:"inner"`
	Hex         string                   `json:"hex"`  // as the dialer writes it (label header first)
	Kind        string                   `json:"kind"` // pushPull | user | message
	Header      map[string]interface{}   `json:"header,omitempty"`
	Nodes       []map[string]interface{} `json:"nodes,omitempty"`
	UserState   *string                  `json:"userState,omitempty"`
	UserMsg     *string                  `json:"userMsg,omitempty"`
	Message     *expectMsg               `json:"message,omitempty"`
}

// frameStream follows rawSendMsgStream plus the v0.3+ dialer label header.
func frameStream(name string, f *streamFixture, plain []byte, o streamOpts) {
	f.Inner = hx(plain)
	f.Label = o.label
	f.Keys = []string{}
	msg := plain
	if o.compress {
		msg = compressPayload(msg)
		f.Compressed = true
	}
	if o.key != nil {
		nonce := nonceFor(name)
		msg = encryptStream(o.version, o.key, nonce, msg, o.label)
		n, v := hx(nonce), o.version
		f.Nonce, f.Version = &n, &v
		f.Keys = []string{hx(o.key)}
	}
	f.Hex = hx(append(labelHeader(o.label), msg...))
}

func pushPullStream(name, desc string, o streamOpts, join bool, nodes []pushNodeState, userState []byte) streamFixture {
	h := pushPullHeader{Nodes: len(nodes), UserStateLen: len(userState), Join: join}
	buf := bytes.NewBuffer([]byte{pushPullMsg})
	buf.Write(encodeValue(&h))
	f := streamFixture{Name: name, Description: desc, Kind: "pushPull", Header: toJSONValue(&h), Nodes: []map[string]interface{}{}}
	for i := range nodes {
		buf.Write(encodeValue(&nodes[i]))
		f.Nodes = append(f.Nodes, toJSONValue(&nodes[i]))
	}
	if userState != nil {
		buf.Write(userState)
	}
	us := hx(userState)
	f.UserState = &us
	frameStream(name, &f, buf.Bytes(), o)
	return f
}

func userStream(name, desc string, o streamOpts, msg []byte) streamFixture {
	buf := bytes.NewBuffer([]byte{userMsg})
	buf.Write(encodeValue(&userMsgHeader{UserMsgLen: len(msg)}))
	buf.Write(msg)
	um := hx(msg)
	f := streamFixture{Name: name, Description: desc, Kind: "user", UserMsg: &um}
	frameStream(name, &f, buf.Bytes(), o)
	return f
}

func messageStream(name, desc string, o streamOpts, m msgSpec) streamFixture {
	e := m.expect()
	f := streamFixture{Name: name, Description: desc, Kind: "message", Message: &e}
	frameStream(name, &f, m.bytes(), o)
	return f
}

func someNodes(n int) []pushNodeState {
	out := make([]pushNodeState, n)
	for i := range out {
		out[i] = pushNodeState{Name: fmt.Sprintf("node-%d", i), Addr: []byte{10, 1, byte(i >> 8), byte(i)}, Port: 7946, Incarnation: uint32(i + 1), State: i % 4, Vsn: vsn}
		if i%3 == 0 {
			out[i].Meta = []byte(fmt.Sprintf("meta-%d", i))
		}
	}
	return out
}

func allStreams() []streamFixture {
	k16 := bytes.Repeat([]byte{0x44}, 16)
	k24 := bytes.Repeat([]byte{0x55}, 24)
	k32 := bytes.Repeat([]byte{0x66}, 32)
	plain := streamOpts{}
	comp := streamOpts{compress: true}
	userState := []byte("opaque delegate state \x00\x01\x02")
	out := []streamFixture{
		pushPullStream("pushpull-join-plain", "join request, compression off", plain, true, someNodes(1), nil),
		pushPullStream("pushpull-compressed", "anti-entropy with user state, compressed (the default)", comp, false, someNodes(3), userState),
		pushPullStream("pushpull-many-compressed", "40 nodes, compressed", comp, false, someNodes(40), userState),
		userStream("user-plain", "SendReliable, compression off", plain, []byte("hello")),
		userStream("user-compressed", "SendReliable, compressed", comp, bytes.Repeat([]byte("abc"), 100)),
		messageStream("ping-compressed", "TCP fallback ping", comp, msgSpec{pingMsg, &ping{SeqNo: 9, Node: "node-b", SourceAddr: ip4, SourcePort: 7946, SourceNode: "node-a"}}),
		messageStream("ack-plain", "TCP ping reply", plain, msgSpec{ackRespMsg, &ackResp{SeqNo: 9}}),
		messageStream("err-compressed", "errResp reply", comp, msgSpec{errMsg, &errResp{Error: "Encryption is configured but remote state is not encrypted"}}),
	}
	for _, v := range []uint8{0, 1} {
		for _, k := range [][]byte{k16, k24, k32} {
			name := fmt.Sprintf("pushpull-enc-v%d-aes%d", v, len(k)*8)
			out = append(out, pushPullStream(name, "compressed then encrypted push/pull", streamOpts{compress: true, key: k, version: v}, true, someNodes(2), userState))
		}
	}
	out = append(out,
		userStream("user-enc-v1-uncompressed", "encrypted, compression off", streamOpts{key: k16, version: 1}, []byte("secret")),
		// Label framing per spec §6 (v0.3+): header from the dialer, AAD = 5 header bytes + label.
		pushPullStream("pushpull-label-plain", "label header, no encryption (v0.3+ framing per spec)", streamOpts{compress: true, label: "prod"}, true, someNodes(1), nil),
		pushPullStream("pushpull-label-enc-v1", "label header + AAD (v0.3+ framing per spec)", streamOpts{compress: true, key: k32, version: 1, label: "prod"}, true, someNodes(2), userState),
		messageStream("ping-label-enc-v0", "label header + AAD, v0 (v0.3+ framing per spec)", streamOpts{key: k24, version: 0, label: "lbl"}, msgSpec{pingMsg, &ping{SeqNo: 1, Node: "node-b"}}),
	)
	return out
}
