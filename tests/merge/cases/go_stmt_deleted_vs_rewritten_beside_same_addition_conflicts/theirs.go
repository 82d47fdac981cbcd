package p

func f(x int) int {
	y := 1
	log(z)
	extra()
	done(x)
	return y
}
