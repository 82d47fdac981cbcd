package ids

import "strconv"

func Format(id int) string {
	return "id-" + strconv.Itoa(id)
}

func Parse(s string) (int, error) {
	return strconv.Atoi(s[3:])
}
