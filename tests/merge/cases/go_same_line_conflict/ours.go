package config

import "errors"

type Config struct {
	Port    int
	Workers int
}

func (c *Config) Validate() error {
	if c.Port <= 0 || c.Port > 65535 {
		return errors.New("bad port")
	}
	if c.Workers < 1 {
		return errors.New("need a worker")
	}
	return nil
}

func Default() Config {
	return Config{Port: 8080, Workers: 8}
}
