package cache

import (
	"log"
	"sync"
	"time"
)

type Cache struct {
	mu sync.RWMutex
	m  map[string]string
	ts time.Time
}

func (c *Cache) Get(k string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[k]
	if !ok {
		log.Printf("miss %s", k)
	}
	return v, ok
}
