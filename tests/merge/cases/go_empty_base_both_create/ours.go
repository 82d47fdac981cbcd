package version

const Major = 1

func String() string {
	return "1.0"
}
