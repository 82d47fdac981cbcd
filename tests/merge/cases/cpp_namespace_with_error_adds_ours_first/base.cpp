namespace detail {

int broken() { return a b; }

template <typename T> using index_t = T;

int last() { return 0; }

}  // namespace detail
