// Item-level macros, linkage and trailing comments.
#include <cstdint>

FMT_BEGIN_NAMESPACE

FMT_EXPORT
template <typename T> struct is_range {
  static constexpr bool value = true;
};

static int count = 0;  // how many so far

int next(int x) /* {{{ */
{
  return x + 1;
} /* }}} next */

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return next(static_cast<int>(size));
}

extern "C" {
int plain_c(void);
}

Q_DECLARE_METATYPE(is_range<int>)

FMT_END_NAMESPACE

TEST_CASE("iterators 2")
{
    SECTION("comparisons")
    {
        auto it1 = next(1);
    }
}
