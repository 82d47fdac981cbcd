package main

func init() {
	register("alpha")
	setup()
	log("x")
}
