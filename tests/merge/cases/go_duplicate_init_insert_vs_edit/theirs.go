package main

func init() {
	register("alpha")
	setup()
	log("y")
}

func theirs() {}
