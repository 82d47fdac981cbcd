package main

var (
	x = 1
	z = 3
)
