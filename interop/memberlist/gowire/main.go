// gowire: our Go harness for memberlist's wire format.
//
//	gowire fixtures <dir>   write the golden JSON fixtures
//	gowire check <file>     decode cases our TypeScript encoder produced; exit 1 on any mismatch
//	gowire bench [n]        time the gossip-packet encode+decode loop; print JSON
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "fixtures":
		if len(os.Args) != 3 {
			usage()
		}
		runFixtures(os.Args[2])
	case "check":
		if len(os.Args) != 3 {
			usage()
		}
		os.Exit(runCheck(os.Args[2]))
	case "bench":
		n := 200000
		if len(os.Args) == 3 {
			v, err := strconv.Atoi(os.Args[2])
			if err != nil {
				usage()
			}
			n = v
		}
		runBench(n)
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gowire fixtures <dir> | check <file.json> | bench [iterations]")
	os.Exit(2)
}
