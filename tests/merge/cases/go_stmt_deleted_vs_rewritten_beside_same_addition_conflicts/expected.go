package p

func f(x int) int {
	y := 1
<<<<<<< ours
=======
	log(z)
>>>>>>> theirs
	extra()
	done(x)
	return y
}
