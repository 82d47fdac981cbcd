package version

const Major = 2

func Name() string {
	return "v2"
}
