package main

import (
	"encoding/hex"
	"fmt"
	"reflect"
)

// structName is the memberlist name of a message struct, as the fixtures record it.
func structName(v interface{}) string {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	return t.Name()
}

// toJSONValue renders a message struct as {GoFieldName: value}: byte slices as
// lowercase hex, nil byte slices as null (nil and empty encode differently).
func toJSONValue(v interface{}) map[string]interface{} {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Ptr {
		rv = rv.Elem()
	}
	out := map[string]interface{}{}
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		name := rv.Type().Field(i).Name
		switch f.Kind() {
		case reflect.Slice:
			if f.IsNil() {
				out[name] = nil
			} else {
				out[name] = hex.EncodeToString(f.Bytes())
			}
		case reflect.String:
			out[name] = f.String()
		case reflect.Bool:
			out[name] = f.Bool()
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			out[name] = f.Uint()
		case reflect.Int, reflect.Int64, reflect.Int32:
			out[name] = f.Int()
		default:
			panic(fmt.Sprintf("unsupported field kind %s", f.Kind()))
		}
	}
	return out
}

// newStruct returns a pointer to a zero struct for a message name.
func newStruct(name string) (interface{}, error) {
	switch name {
	case "ping":
		return &ping{}, nil
	case "indirectPingReq":
		return &indirectPingReq{}, nil
	case "ackResp":
		return &ackResp{}, nil
	case "nackResp":
		return &nackResp{}, nil
	case "errResp":
		return &errResp{}, nil
	case "suspect":
		return &suspect{}, nil
	case "alive":
		return &alive{}, nil
	case "dead":
		return &dead{}, nil
	case "pushPullHeader":
		return &pushPullHeader{}, nil
	case "userMsgHeader":
		return &userMsgHeader{}, nil
	case "pushNodeState":
		return &pushNodeState{}, nil
	case "compress":
		return &compress{}, nil
	}
	return nil, fmt.Errorf("unknown struct %q", name)
}

// structForType is the struct a UDP message type carries.
func structForType(t uint8) string {
	switch t {
	case pingMsg:
		return "ping"
	case indirectPingMsg:
		return "indirectPingReq"
	case ackRespMsg:
		return "ackResp"
	case suspectMsg:
		return "suspect"
	case aliveMsg:
		return "alive"
	case deadMsg:
		return "dead"
	case nackRespMsg:
		return "nackResp"
	case errMsg:
		return "errResp"
	case compressMsg:
		return "compress"
	}
	return ""
}

func typeForStruct(name string) uint8 {
	for t := uint8(0); t <= errMsg; t++ {
		if structForType(t) == name {
			return t
		}
	}
	panic("no type for " + name)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func hx(b []byte) string { return hex.EncodeToString(b) }
