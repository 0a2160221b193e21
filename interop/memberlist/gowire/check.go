package main

func runCheck(path string) int { _ = path; return 1 }
