package main

func init() {
	register("beta")
	setup()
	log("x")
}

func init() {
	register("alpha")
	setup()
	log("x")
}

func ours() {}
