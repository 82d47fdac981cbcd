package geom

type Point struct{ X, Y float64 }

func Scale(p Point, k float64) Point {
	return Point{X: p.X * k, Y: p.Y * k}
}

func Add(a, b Point) (r Point) {
	return Point{a.X + b.X, a.Y + b.Y}
}

func Sub(a, b Point) Point {
	return Point{a.X - b.X, a.Y - b.Y}
}
