package p

func f(x int) int {
	y := 1
	log(x)
	done(x)
	return y
}
