namespace detail {

int broken() { return a b; }

template <typename T> using index_t = T;

int one() { return 1; }
int two() { return 2; }

int last() { return 0; }

}  // namespace detail
