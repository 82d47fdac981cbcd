package stats

func Sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

<<<<<<< ours
func Mean(xs []float64) float64 {
	return Sum(xs) / float64(len(xs))
}
=======
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return Sum(xs) / float64(len(xs))
}
>>>>>>> theirs
