#include "catch.hpp"

TEST_CASE( "first", "[a]" ) {
    REQUIRE( 1 == 1 );
}

TEST_CASE( "second", "[a]" ) {
    REQUIRE( 2 == 2 );
}

TEST_CASE( "third", "[a]" ) {
    REQUIRE( 3 == 3 );
}
