#include <catch2/catch_test_macros.hpp>

#include "parser.hpp"

TEST_CASE("parser reads numbers", "[parser]") {
    Parser p;
    SECTION("zero") {
        REQUIRE(p.parse("0") == 0);
    }
    SECTION("integers") {
        REQUIRE(p.parse("12") == 12);
    }
    SECTION("negative integers") {
        REQUIRE(p.parse("-12") == -12);
    }
}

TEST_CASE("parser rejects garbage", "[parser]") {
    Parser p;
    REQUIRE_THROWS(p.parse("x"));
}
