package version

<<<<<<< ours
const Major = 1

func String() string {
	return "1.0"
=======
const Major = 2

func Name() string {
	return "v2"
>>>>>>> theirs
}
