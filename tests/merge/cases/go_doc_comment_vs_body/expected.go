package retry

import "time"

// Do calls f up to n times, sleeping d between attempts.
// It returns the last error, or nil on success.
func Do(n int, d time.Duration, f func() error) error {
	var err error
	for i := 0; i < n; i++ {
		if err = f(); err == nil {
			return nil
		}
		time.Sleep(d * time.Duration(i+1))
	}
	return err
}
