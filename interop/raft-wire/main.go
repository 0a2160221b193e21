// raft-wire prints, as JSON lines {"name","hex"}, the bytes Go raft 1.1.2's
// NetworkTransport writes for a fixed set of requests and replies: a request
// is the rpc type byte then the msgpack request; a reply is the error string
// then the response (nil when there is none). It uses the transport's own
// codec handle (go-msgpack 0.5.5, MsgpackHandle{}). interop/raft compares
// shoal's encoder against it. Build:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o ../bin/raft-wire .
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"

	"github.com/hashicorp/go-msgpack/codec"
	"github.com/hashicorp/raft"
)

var out = json.NewEncoder(os.Stdout)

func encode(values ...interface{}) []byte {
	var buf bytes.Buffer
	enc := codec.NewEncoder(&buf, &codec.MsgpackHandle{})
	for _, v := range values {
		if err := enc.Encode(v); err != nil {
			panic(err)
		}
	}
	return buf.Bytes()
}

func emit(name string, b []byte) {
	if err := out.Encode(map[string]string{"name": name, "hex": hex.EncodeToString(b)}); err != nil {
		panic(err)
	}
}

func request(name string, rpcType byte, req interface{}) {
	emit(name, append([]byte{rpcType}, encode(req)...))
}

func reply(name string, errText string, resp interface{}) {
	emit(name, encode(errText, resp))
}

func main() {
	header := raft.RPCHeader{ProtocolVersion: 3}
	configuration := raft.Configuration{Servers: []raft.Server{
		{Suffrage: raft.Voter, ID: "n1", Address: "127.0.0.1:7000"},
		{Suffrage: raft.Nonvoter, ID: "n2", Address: "127.0.0.1:7001"},
	}}
	longAddr := []byte(strings.Repeat("a", 40))
	bigData := bytes.Repeat([]byte{0xfe}, 300)

	request("heartbeat", 0, &raft.AppendEntriesRequest{RPCHeader: header, Term: 5, Leader: []byte("127.0.0.1:7000")})
	request("appendEntries", 0, &raft.AppendEntriesRequest{
		RPCHeader: header, Term: 5, Leader: []byte("L"), PrevLogEntry: 9, PrevLogTerm: 5,
		Entries:           []*raft.Log{{Index: 10, Term: 5, Type: raft.LogCommand, Data: []byte{0xff, 0x00, 0x01}}},
		LeaderCommitIndex: 9,
	})
	request("appendEntriesWide", 0, &raft.AppendEntriesRequest{
		RPCHeader: header, Term: 1<<40 + 1, Leader: longAddr, PrevLogEntry: 70000, PrevLogTerm: 300,
		Entries: []*raft.Log{
			{Index: 1<<53 - 1, Term: 255, Type: raft.LogConfiguration, Data: raft.EncodeConfiguration(configuration), Extensions: []byte{}},
			{Index: 65536, Term: 1, Type: raft.LogNoop, Data: bigData, Extensions: []byte("x")},
		},
		LeaderCommitIndex: 1 << 32,
	})
	request("appendEntriesNoEntries", 0, &raft.AppendEntriesRequest{
		RPCHeader: header, Term: 7, Leader: []byte("L"), PrevLogEntry: 3, PrevLogTerm: 2, Entries: []*raft.Log{}, LeaderCommitIndex: 3,
	})
	request("requestVote", 1, &raft.RequestVoteRequest{RPCHeader: header, Term: 6, Candidate: []byte("C"), LastLogIndex: 10, LastLogTerm: 5})
	request("requestVoteTransfer", 1, &raft.RequestVoteRequest{RPCHeader: header, Term: 300, Candidate: longAddr, LastLogIndex: 65535, LastLogTerm: 299, LeadershipTransfer: true})
	request("installSnapshot", 2, &raft.InstallSnapshotRequest{
		RPCHeader: header, SnapshotVersion: 1, Term: 8, Leader: []byte("127.0.0.1:7000"), LastLogIndex: 1000, LastLogTerm: 7,
		Peers: encode([][]byte{[]byte("127.0.0.1:7000")}), Configuration: raft.EncodeConfiguration(configuration),
		ConfigurationIndex: 900, Size: 123456789,
	})
	request("installSnapshotHuge", 2, &raft.InstallSnapshotRequest{RPCHeader: header, SnapshotVersion: 1, Term: 9, Size: 1 << 40})
	request("timeoutNow", 3, &raft.TimeoutNowRequest{RPCHeader: header})

	reply("appendEntriesReply", "", &raft.AppendEntriesResponse{RPCHeader: header, Term: 5, LastLog: 10, Success: true})
	reply("appendEntriesReject", "", &raft.AppendEntriesResponse{RPCHeader: header, Term: 5, LastLog: 4, NoRetryBackoff: true})
	reply("requestVoteReply", "", &raft.RequestVoteResponse{RPCHeader: header, Term: 6, Granted: true})
	reply("installSnapshotReply", "", &raft.InstallSnapshotResponse{RPCHeader: header, Term: 8, Success: true})
	reply("timeoutNowReply", "", &raft.TimeoutNowResponse{RPCHeader: header})
	reply("errorReply", "unexpected command", nil)
	reply("longErrorReply", "operation not supported with current protocol version", nil)

	emit("configuration", raft.EncodeConfiguration(configuration))
}
