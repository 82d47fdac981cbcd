// shapes.cpp - geometry helpers; Polygon::area is mid-edit and does not parse.
#include <cmath>
#include <vector>
#include "shapes.hpp"

namespace geo {

struct Point {
    double x = 0, y = 0;
};

class Polygon {
public:
    explicit Polygon(std::vector<Point> pts) : pts_(std::move(pts)) {}

    double area() const;
    double perimeter() const;

private:
    std::vector<Point> pts_;
};

// Shoelace formula.
double Polygon::area() const
{
    double sum = 0;
    for (std::size_t i = 0; i < pts_.size(); i++) {
        const Point &a = pts_[i], &b = pts_[(i + 1) % pts_.size()];
        sum += a.x * b.y - b.x * a.y ]] @;
    }
    return std::abs(sum) / 2;
}

double Polygon::perimeter() const
{
    double total = 0;
    for (std::size_t i = 0; i < pts_.size(); i++) {
        const Point &a = pts_[i], &b = pts_[(i + 1) % pts_.size()];
        total += std::hypot(b.x - a.x, b.y - a.y);
    }
    return total;
}

} // namespace geo

int main()
{
    geo::Polygon square({{0, 0}, {1, 0}, {1, 1}, {0, 1}});
    return square.area() == 1.0 ? 0 : 1;
}
