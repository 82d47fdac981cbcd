#include <vector>

namespace geo {

struct Point {
    double x, y;
};

class Polygon {
public:
    double area() const
    {
        double sum = 0;
        for (size_t i = 0; i < pts_.size(); ++i) {
            const Point &a = pts_[i], &b = pts_[(i + 1) % pts_.size()];
            sum += a.x * b.y - b.x * a.y;
        }
        return sum * 0.5;
    }

    size_t size() const noexcept { return pts_.size(); }

private:
    std::vector<Point> pts_;
};

} // namespace geo
