package users

import "strings"

// Normalize lower-cases and trims an e-mail address.
func Normalize(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Domain returns the part after '@'.
func Domain(email string) string {
	i := strings.LastIndexByte(email, '@')
	return email[i+1:]
}
