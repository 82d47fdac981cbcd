package stack

// Stack is a LIFO of ints.
type Stack struct {
	items []int
}

// Push adds v on top.
func (s *Stack) Push(v int) {
	s.items = append(s.items, v)
}

// Pop removes the top item.
func (s *Stack) Pop() int {
	v := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return v
}

// Peek returns the top item.
func (s *Stack) Peek() int {
	return s.items[len(s.items)-1]
}

// Len returns the number of items.
func (s *Stack) Len() int {
	return len(s.items)
}
