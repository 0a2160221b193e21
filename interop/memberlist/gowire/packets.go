package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
)

type packetOpts struct {
	compress   bool // EnableCompression: used only when strictly smaller
	crc        bool
	keys       [][]byte // receiver's keyring, primary first; nil = no encryption
	encryptKey []byte   // defaults to keys[0]
	version    uint8
	label      string
}

type packetFixture struct {
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Keys        []string    `json:"keys"`
	EncryptKey  *string     `json:"encryptKey"`
	Version     *uint8      `json:"version"`
	Label       string      `json:"label"`
	Nonce       *string     `json:"nonce"`
	Compressed  bool        `json:"compressed"`
	Crc         bool        `json:"crc"`
	Inner       string      `json:"inner"` // the message before compression/CRC/encryption
	Hex         string      `json:"hex"`
	Messages    []expectMsg `json:"messages"`
}

// nonceFor makes each fixture's nonce deterministic: the first 12 bytes of SHA-256(name).
func nonceFor(name string) []byte {
	s := sha256.Sum256([]byte(name))
	return s[:12]
}

// buildPacket follows sendMsg/rawSendMsgPacket and the v0.3+ label transport step.
func buildPacket(name, desc string, o packetOpts, specs ...msgSpec) packetFixture {
	var parts [][]byte
	f := packetFixture{Name: name, Description: desc, Keys: []string{}, Label: o.label, Crc: o.crc}
	for _, s := range specs {
		parts = append(parts, s.bytes())
		f.Messages = append(f.Messages, s.expect())
	}
	msg := parts[0]
	if len(parts) > 1 {
		msg = makeCompoundMessage(parts)
	}
	f.Inner = hx(msg)
	if o.compress {
		if c := compressPayload(msg); len(c) < len(msg) {
			msg = c
			f.Compressed = true
		}
	}
	if o.crc {
		msg = withCrc(msg)
	}
	if o.keys != nil {
		key := o.encryptKey
		if key == nil {
			key = o.keys[0]
		}
		nonce := nonceFor(name)
		msg = encryptPayload(o.version, key, nonce, msg, []byte(o.label))
		for _, k := range o.keys {
			f.Keys = append(f.Keys, hx(k))
		}
		ek, n, v := hx(key), hx(nonce), o.version
		f.EncryptKey, f.Nonce, f.Version = &ek, &n, &v
	}
	msg = append(labelHeader(o.label), msg...)
	f.Hex = hx(msg)
	return f
}

func threeAlives() []msgSpec {
	var out []msgSpec
	for i, n := range []string{"node-a", "node-b", "node-c"} {
		out = append(out, msgSpec{aliveMsg, &alive{Incarnation: uint32(10 + i), Node: n, Addr: []byte{10, 0, 0, byte(1 + i)}, Port: 7946, Meta: []byte("dc=1"), Vsn: vsn}})
	}
	return out
}

func allPackets() []packetFixture {
	k16 := bytes.Repeat([]byte{0x11}, 16)
	k24 := bytes.Repeat([]byte{0x22}, 24)
	k32 := bytes.Repeat([]byte{0x33}, 32)
	spec := make([]byte, 16)
	for i := range spec {
		spec[i] = byte(i)
	}
	pingFull := msgSpec{pingMsg, &ping{SeqNo: 1, Node: "node-b", SourceAddr: ip4, SourcePort: 7946, SourceNode: "node-a"}}
	ack := msgSpec{ackRespMsg, &ackResp{SeqNo: 1}}
	susp := msgSpec{suspectMsg, &suspect{Incarnation: 2, Node: "node-b", From: "node-a"}}
	dd := msgSpec{deadMsg, &dead{Incarnation: 3, Node: "node-c", From: "node-a"}}
	user := msgSpec{userMsg, []byte("user broadcast")}
	gossip := threeAlives()

	var out []packetFixture
	out = append(out,
		buildPacket("ping-plain", "a bare ping, as sendMsg sends it with nothing to piggyback", packetOpts{}, pingFull),
		buildPacket("ack-piggyback", "an ack with piggybacked gossip (compound), no CRC", packetOpts{}, ack, gossip[0], susp),
		buildPacket("gossip-crc", "gossip: compound of three alives, CRC-wrapped", packetOpts{crc: true}, gossip...),
		buildPacket("gossip-crc-compressed", "gossip compressed (smaller) then CRC-wrapped", packetOpts{compress: true, crc: true}, append(gossip, gossip...)...),
		buildPacket("single-crc", "one suspect, CRC-wrapped", packetOpts{crc: true}, susp),
		buildPacket("incompressible-crc", "compression enabled but not smaller, so not used", packetOpts{compress: true, crc: true}, dd),
		buildPacket("user-in-compound", "user broadcast (type 8, raw bytes) among system messages", packetOpts{crc: true}, dd, user),
	)
	for _, v := range []uint8{0, 1} {
		for _, k := range [][]byte{k16, k24, k32} {
			name := fmt.Sprintf("gossip-crc-enc-v%d-aes%d", v, len(k)*8)
			out = append(out, buildPacket(name, "three alives, CRC, encrypted", packetOpts{crc: true, keys: [][]byte{k}, version: v}, gossip...))
		}
	}
	out = append(out,
		buildPacket("ping-enc-v1-compressed", "compressed then encrypted, no CRC", packetOpts{compress: true, keys: [][]byte{k32}, version: 1}, append(gossip, pingFull)...),
		buildPacket("enc-secondary-key", "encrypted with the receiver's second key", packetOpts{crc: true, keys: [][]byte{k16, k24}, encryptKey: k24, version: 1}, susp),
		buildPacket("spec-v1-no-aad", "spec §7 vector key/plaintext, own nonce", packetOpts{keys: [][]byte{spec}, version: 1}, msgSpec{pingMsg, &ping{SeqNo: 1, Node: "node-b"}}),
		// Labels arrived in memberlist v0.3.0; Go 0.2.2 has none. These use the
		// spec's framing (label header outside, label bytes as GCM AAD) around
		// Go stdlib AES-GCM output.
		buildPacket("label-plain", "label header, no encryption (v0.3+ framing per spec §1)", packetOpts{label: "prod", crc: true}, susp),
		buildPacket("label-enc-v1", "label as AAD, v1 (v0.3+ framing per spec §7)", packetOpts{label: "prod", crc: true, keys: [][]byte{k16}, version: 1}, gossip...),
		buildPacket("label-enc-v0-aes256", "label as AAD, v0 (v0.3+ framing per spec §7)", packetOpts{label: "cluster-ü", crc: true, keys: [][]byte{k32}, version: 0}, susp, dd),
	)
	return out
}
