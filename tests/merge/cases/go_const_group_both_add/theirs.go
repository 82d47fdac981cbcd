package main

const (
	A = 1
	B = 2
	D = 4
)

func main() {}
