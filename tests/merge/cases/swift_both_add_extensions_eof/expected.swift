import Foundation

struct Point {
    var x: Double
    var y: Double

    func length() -> Double { (x * x + y * y).squareRoot() }
    func distance(to p: Point) -> Double { Point(x: p.x - x, y: p.y - y).length() }

    mutating func normalize() {
        let len = length()
        guard len > 0 else { return }
        x /= len
        y /= len
    }
}

extension Point {
    static let zero = Point(x: 0, y: 0)

    func scaled(by k: Double) -> Point {
        return Point(x: x * k, y: y * k)
    }
}

extension Point: CustomStringConvertible {
    var description: String { "(\(x), \(y))" }
}

extension Point: Hashable {
    func hash(into h: inout Hasher) {
        h.combine(x)
        h.combine(y)
    }
}

extension Point: Equatable {
    static func == (a: Point, b: Point) -> Bool { a.x == b.x && a.y == b.y }
}
