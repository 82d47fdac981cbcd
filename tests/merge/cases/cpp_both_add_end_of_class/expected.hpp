#pragma once

#include <cstddef>

template <typename T>
struct RingBuffer {
    T items[64];
    size_t head = 0;
    size_t size_ = 0;

    void push(const T &v)
    {
        items[(head + size_) % 64] = v;
        if (size_ < 64)
            ++size_;
        else
            head = (head + 1) % 64;
    }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    void clear() { head = size_ = 0; }
};
