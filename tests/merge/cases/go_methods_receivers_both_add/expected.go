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

func (c Car) Cost() int {
	return 100 * c.Wheels
}

func (b Bike) Cost() int {
	return 10 * b.Gears
}
