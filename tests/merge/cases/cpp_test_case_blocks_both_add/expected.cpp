#include "doctest_compatibility.h"

#include <nlohmann/json.hpp>
using nlohmann::json;

TEST_CASE("iterators 1")
{
    SECTION("basic behavior")
    {
        json j = true;
        CHECK(j.begin() != j.end());
    }
}

TEST_CASE("iterators 2")
{
    SECTION("iterator comparisons")
    {
        json j = {1, 2, 3};
        CHECK(j.begin() < j.end());
    }
}

TEST_CASE("iterators 3")
{
    SECTION("reverse")
    {
        json j = {1, 2, 3};
        CHECK(*j.rbegin() == 3);
    }
}
