package main

import (
	"errors"
	"fmt"
	"strings"
)

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("no args")
	}
	fmt.Println(strings.TrimSpace(args[0]))
	return nil
}

func main() {
	if err := run(nil); err != nil {
		fmt.Println(err)
	}
}
