package server

import (
	"net"
	"sync"
)

type Server struct {
	mu   sync.Mutex
	ln   net.Listener
	addr string
}

func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}
func (s *Server) Stop() (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ln.Close()
}
