#include "runner.hpp"

#include <iostream>

namespace jobs {

void Runner::step()
{
    ++count_;
    std::clog << name_ << ": step " << count_ << "\n";
}

void Runner::start() { state_ = State::Running; count_ = 0; }
void Runner::stop() { state_ = State::Stopped; notify(); }

int Runner::count() const
{
    return count_;
}

} // namespace jobs
