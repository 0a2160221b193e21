package main

func runBench(n int) { _ = n }
