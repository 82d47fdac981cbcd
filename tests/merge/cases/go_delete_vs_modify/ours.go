package mathx

func Abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func Clamp(x, lo, hi int) int {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}
