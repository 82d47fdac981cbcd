package main

import (
	"errors"
	"fmt"
)

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("no args")
	}
	fmt.Println(args[0])
	return nil
}

func main() {
	if err := run(nil); err != nil {
		fmt.Println(err)
	}
}
