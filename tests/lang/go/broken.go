package cache

import "sync"

// Cache is a locked map.
type Cache struct {
	mu sync.Mutex
	m  map[string]int
}

// Get is broken: a stray operator in the condition.
func (c *Cache) Get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[k]; ok && == {
		return v
	}
	return 0
}

// Len still parses.
func (c *Cache) Len() int {
	return len(c.m)
}

const Size = 16
