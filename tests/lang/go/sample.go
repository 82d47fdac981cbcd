// Package server is a tiny HTTP key-value server used by the fixture.
package server

import (
	"context"
	"encoding/json"
	f "fmt"
	"net/http"
	_ "net/http/pprof"
	. "strings"

	"./internal/store"
)

import "errors"

// Version is reported by /version.
const Version = "1.2.0"

const (
	// ModeRead allows reads only.
	ModeRead Mode = iota
	ModeWrite
	modeHidden
)

var (
	defaultAddr = ":8080"
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("server closed")
)

var requests int

// Mode selects what clients may do.
type Mode int

type (
	// Handler handles one request.
	Handler func(w http.ResponseWriter, r *http.Request)
	headers = map[string]string
)

// Server serves the store over HTTP.
type Server struct {
	addr  string
	mode  Mode
	items map[string]string
}

// Store is what the server needs from a backend.
type Store interface {
	// Get returns the value for key.
	Get(ctx context.Context, key string) (string, error)
	Put(ctx context.Context, key, value string) error
	close() error
}

// Pair is a generic key-value pair.
type Pair[K comparable, V any] struct {
	Key K
	Val V
}

// NewServer makes a server listening on addr.
func NewServer(addr string) *Server {
	if addr == "" {
		addr = defaultAddr
	}
	return &Server{addr: addr, items: make(map[string]string)}
}

// Start runs the server until the context ends.
func (s *Server) Start(ctx context.Context) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/get", s.handleGet)
	srv := &http.Server{Addr: s.addr, Handler: mux}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return srv.ListenAndServe()
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	key := TrimSpace(r.URL.Query().Get("key"))
	requests++
	v, ok := s.items[key]
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	json.NewEncoder(w).Encode(v)
}

// String implements fmt.Stringer.
func (m Mode) String() string {
	switch m {
	case ModeRead:
		return "read"
	case ModeWrite:
		return "write"
	}
	return f.Sprintf("mode(%d)", int(m))
}

// Swap returns the pair reversed.
func (p *Pair[K, V]) Swap() Pair[V, K] {
	return Pair[V, K]{Key: p.Val, Val: p.Key}
}

func helper(n int) int {
	return store.Double(n)
}

// Assembly-implemented.
func fastHash(b []byte) uint64
