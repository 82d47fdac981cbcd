#pragma once

#include <cstddef>

namespace geo {

class Rect {
public:
    Rect(int w, int h) : w_(w), h_(h) {}

    [[nodiscard]] int width() const { return w_; }
    int height() const { return h_; }
    int area() const { return w_ * h_; }

    bool contains(int x, int y) const
    {
        return x >= 0 && y >= 0 && x < w_ && y < h_;
    }

private:
    int w_;
    int h_;
};

} // namespace geo
