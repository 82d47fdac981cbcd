package main

func init() {
	register("beta")
	setup()
	log("x")
}

func init() {
	register("alpha")
	setup()
	log("y")
}

func ours() {}

func theirs() {}
