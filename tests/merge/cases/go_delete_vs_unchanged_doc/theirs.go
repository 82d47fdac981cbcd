package users

import "strings"

// Normalize lower-cases and trims an e-mail address.
func Normalize(email string) string {
	return strings.ToLower(strings.Trim(email, " <>"))
}

// OldNormalize is the pre-1.0 name of Normalize.
//
// Deprecated: use Normalize.
func OldNormalize(email string) string {
	return Normalize(email)
}

// Domain returns the part after '@'.
func Domain(email string) string {
	i := strings.LastIndexByte(email, '@')
	return Normalize(email[i+1:])
}
