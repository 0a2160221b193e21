// Thin Go glue around memberlist 0.2.2's wire format. memberlist keeps its
// message structs and encoders unexported, so this file restates the structs
// (same field names, types and codec tags as net.go) and calls the very same
// go-msgpack codec, compress/lzw and crypto/aes code paths memberlist calls.
package main

import (
	"bytes"
	"compress/lzw"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/hashicorp/go-msgpack/codec"
)

const (
	pingMsg         = 0
	indirectPingMsg = 1
	ackRespMsg      = 2
	suspectMsg      = 3
	aliveMsg        = 4
	deadMsg         = 5
	pushPullMsg     = 6
	compoundMsg     = 7
	userMsg         = 8
	compressMsg     = 9
	encryptMsg      = 10
	nackRespMsg     = 11
	hasCrcMsg       = 12
	errMsg          = 13
	hasLabelMsg     = 244
)

type ping struct {
	SeqNo      uint32
	Node       string
	SourceAddr []byte `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}

type indirectPingReq struct {
	SeqNo      uint32
	Target     []byte
	Port       uint16
	Node       string
	Nack       bool
	SourceAddr []byte `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}

type ackResp struct {
	SeqNo   uint32
	Payload []byte
}

type nackResp struct {
	SeqNo uint32
}

type errResp struct {
	Error string
}

type suspect struct {
	Incarnation uint32
	Node        string
	From        string
}

type alive struct {
	Incarnation uint32
	Node        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Vsn         []uint8
}

type dead struct {
	Incarnation uint32
	Node        string
	From        string
}

type pushPullHeader struct {
	Nodes        int
	UserStateLen int
	Join         bool
}

type userMsgHeader struct {
	UserMsgLen int
}

type pushNodeState struct {
	Name        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Incarnation uint32
	State       int // memberlist.NodeStateType is an int
	Vsn         []uint8
}

type compress struct {
	Algo uint8
	Buf  []byte
}

// encode is memberlist's util.go encode: type byte, then msgpack with a zero MsgpackHandle.
func encode(msgType uint8, in interface{}) []byte {
	buf := bytes.NewBuffer(nil)
	buf.WriteByte(msgType)
	hd := codec.MsgpackHandle{}
	if err := codec.NewEncoder(buf, &hd).Encode(in); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// encodeValue is msgpack of one value with no type byte (stream headers, node states).
func encodeValue(in interface{}) []byte {
	var out []byte
	hd := codec.MsgpackHandle{}
	if err := codec.NewEncoderBytes(&out, &hd).Encode(in); err != nil {
		panic(err)
	}
	return out
}

func decodeValue(buf []byte, out interface{}) error {
	hd := codec.MsgpackHandle{}
	return codec.NewDecoder(bytes.NewReader(buf), &hd).Decode(out)
}

// makeCompoundMessage as util.go writes it.
func makeCompoundMessage(msgs [][]byte) []byte {
	buf := bytes.NewBuffer(nil)
	buf.WriteByte(compoundMsg)
	buf.WriteByte(uint8(len(msgs)))
	for _, m := range msgs {
		binary.Write(buf, binary.BigEndian, uint16(len(m)))
	}
	for _, m := range msgs {
		buf.Write(m)
	}
	return buf.Bytes()
}

// decodeCompoundMessage as util.go (0.2.2) reads it, without its uint8 overflow.
func decodeCompoundMessage(buf []byte) (trunc int, parts [][]byte, err error) {
	if len(buf) < 1 {
		return 0, nil, fmt.Errorf("missing compound length byte")
	}
	numParts := int(buf[0])
	buf = buf[1:]
	if len(buf) < numParts*2 {
		return 0, nil, fmt.Errorf("truncated len slice")
	}
	lengths := make([]uint16, numParts)
	for i := 0; i < numParts; i++ {
		lengths[i] = binary.BigEndian.Uint16(buf[i*2 : i*2+2])
	}
	buf = buf[numParts*2:]
	for idx, msgLen := range lengths {
		if len(buf) < int(msgLen) {
			return numParts - idx, parts, nil
		}
		parts = append(parts, buf[:msgLen])
		buf = buf[msgLen:]
	}
	return 0, parts, nil
}

func lzwCompress(inp []byte) []byte {
	var buf bytes.Buffer
	w := lzw.NewWriter(&buf, lzw.LSB, 8)
	if _, err := w.Write(inp); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// compressPayload as util.go: LZW, wrapped in an encoded compress{} message.
func compressPayload(inp []byte) []byte {
	return encode(compressMsg, &compress{Algo: 0, Buf: lzwCompress(inp)})
}

func decompressBuffer(c *compress) ([]byte, error) {
	if c.Algo != 0 {
		return nil, fmt.Errorf("cannot decompress unknown algorithm %d", c.Algo)
	}
	r := lzw.NewReader(bytes.NewReader(c.Buf), lzw.LSB, 8)
	defer r.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func withCrc(msg []byte) []byte {
	header := make([]byte, 5, 5+len(msg))
	header[0] = hasCrcMsg
	binary.BigEndian.PutUint32(header[1:], crc32.ChecksumIEEE(msg))
	return append(header, msg...)
}

func encryptedLength(vsn uint8, inp int) int {
	if vsn >= 1 {
		return 1 + 12 + inp + 16
	}
	return 1 + 12 + inp + (16 - inp%16) + 16
}

// encryptPayload as security.go, with the nonce passed in instead of read from crypto/rand.
func encryptPayload(vsn uint8, key, nonce, msg, aad []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	src := msg
	if vsn == 0 {
		more := 16 - len(msg)%16
		src = append(append([]byte{}, msg...), bytes.Repeat([]byte{byte(more)}, more)...)
	}
	out := []byte{vsn}
	out = append(out, nonce...)
	return append(out, gcm.Seal(nil, nonce, src, aad)...)
}

// decryptPayload as security.go: every key in order, PKCS7 stripped for version 0.
func decryptPayload(keys [][]byte, msg, aad []byte) ([]byte, error) {
	if len(msg) == 0 {
		return nil, fmt.Errorf("cannot decrypt empty payload")
	}
	vsn := msg[0]
	if vsn > 1 {
		return nil, fmt.Errorf("unsupported encryption version %d", vsn)
	}
	if len(msg) < encryptedLength(vsn, 0) {
		return nil, fmt.Errorf("payload is too small to decrypt: %d", len(msg))
	}
	for _, key := range keys {
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		plain, err := gcm.Open(nil, msg[1:13], msg[13:], aad)
		if err != nil {
			continue
		}
		if vsn == 0 {
			pad := int(plain[len(plain)-1])
			if pad > len(plain) {
				return nil, fmt.Errorf("bad padding")
			}
			return plain[:len(plain)-pad], nil
		}
		return plain, nil
	}
	return nil, fmt.Errorf("no installed keys could decrypt the message")
}

// encryptStream frames an encrypted stream message as encryptLocalState does:
// [10][u32 BE length][payload], the 5 header bytes (then the label) as AAD.
func encryptStream(vsn uint8, key, nonce, msg []byte, label string) []byte {
	header := make([]byte, 5)
	header[0] = encryptMsg
	binary.BigEndian.PutUint32(header[1:], uint32(encryptedLength(vsn, len(msg))))
	aad := append(append([]byte{}, header...), []byte(label)...)
	return append(header, encryptPayload(vsn, key, nonce, msg, aad)...)
}

func labelHeader(label string) []byte {
	if label == "" {
		return nil
	}
	return append([]byte{hasLabelMsg, byte(len(label))}, []byte(label)...)
}
