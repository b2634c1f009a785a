package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	fmt.Printf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
}
