package p

func f(x int) int {
	y := 1
	extra()
	done(x)
	return y
}
