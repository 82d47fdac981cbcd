#pragma once

#include <string>
#include <utility>

namespace jobs {

class Runner {
public:
    explicit Runner(std::string name) : name_(std::move(name)) {}

    void run(int times)
    {
        for (int i = 0; i < times; ++i)
            step();
    }

    void run(bool verbose)
    {
        if (verbose)
            announce();
        run(1);
    }

    const std::string &name() const { return name_; }

private:
    void step();
    std::string name_;
};

} // namespace jobs
