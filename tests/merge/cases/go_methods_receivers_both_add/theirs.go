package fleet

type Car struct {
	Wheels int
}

type Bike struct {
	Gears int
}

func Describe(v interface{}) string {
	return "vehicle"
}

func (b Bike) Cost() int {
	return 10 * b.Gears
}
