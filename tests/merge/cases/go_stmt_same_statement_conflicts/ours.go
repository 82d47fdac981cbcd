package run

import "fmt"

func Run(n int) int {
	total := 0
	step := 2
	fmt.Println("start")
	for i := 0; i < n; i++ {
		total += i * step
	}
	fmt.Println("done", total)
	return total + 1
}

func Other() int {
	return 7
}
