// cache.cpp - an LRU cache with pluggable eviction listeners.
#include <cstddef>
#include <list>
#include <unordered_map>
#include "cache/listener.hpp"

#define CACHE_DEFAULT_CAPACITY 128

extern "C" {
int cache_c_abi_version(void);
}

namespace store::cache {

/// How an entry left the cache.
enum class Reason { Evicted, Erased, Cleared };

using Key = std::string;

struct Stats {
    std::size_t hits = 0;
    std::size_t misses = 0;

    double hit_rate() const;
};

/**
 * A least-recently-used cache of values keyed by string.
 */
template <typename V>
class Lru {
public:
    explicit Lru(std::size_t capacity = CACHE_DEFAULT_CAPACITY);
    ~Lru();

    [[nodiscard]] bool contains(const Key &key) const;
    V *get(const Key &key);
    V *get(const Key &key, const V &fallback);
    void put(const Key &key, V value);

    bool operator==(const Lru &other) const;

    template <typename F>
    void for_each(F &&fn) const
    {
        for (const auto &e : order_)
            fn(e.first, e.second);
    }

protected:
    // Called with the victim before it is dropped.
    virtual void on_evict(const Key &key, Reason why) {}

private:
    struct Node {
        Key key;
        V value;
        bool pinned() const { return false; }
    };

    void evict_one();
#ifdef CACHE_DEBUG
    void dump() const;
#endif

    std::size_t capacity_;
    std::list<std::pair<Key, V>> order_;
    Stats stats_;
};

class Handle {
    int fd_ = -1;
    void close_now();

public:
    Handle() = default;
    Handle(const Handle &) = delete;
    Handle &operator=(Handle &&other) noexcept;
    explicit operator bool() const { return fd_ >= 0; }
    friend bool operator<(const Handle &a, const Handle &b) { return a.fd_ < b.fd_; }
};

std::size_t hash_key(int key);
std::size_t hash_key(const Key &key);

namespace detail {
inline std::size_t clamp_capacity(std::size_t n)
{
    return n == 0 ? 1 : n;
}
} // namespace detail

} // namespace store::cache

namespace {
// Process-wide count of live caches.
int live_caches = 0;

void note_created() { ++live_caches; }
} // namespace

namespace store::cache {

double Stats::hit_rate() const
{
    auto total = hits + misses;
    return total ? static_cast<double>(hits) / total : 0.0;
}

template <typename V>
Lru<V>::Lru(std::size_t capacity) : capacity_(detail::clamp_capacity(capacity))
{
    note_created();
}

template <typename V>
Lru<V>::~Lru()
{
    --live_caches;
}

template <typename V>
V *Lru<V>::get(const Key &key)
{
    for (auto &e : order_) {
        if (e.first == key) {
            stats_.hits++;
            return &e.second;
        }
    }
    stats_.misses++;
    return nullptr;
}

template <typename V>
V *Lru<V>::get(const Key &key, const V &fallback)
{
    V *v = this->get(key);
    return v ? v : const_cast<V *>(&fallback);
}

template <typename V>
void Lru<V>::put(const Key &key, V value)
{
    if (order_.size() >= capacity_)
        evict_one();
    order_.emplace_front(key, std::move(value));
}

template <typename V>
void Lru<V>::evict_one()
{
    auto &victim = order_.back();
    on_evict(victim.first, Reason::Evicted);
    order_.pop_back();
}

static std::size_t mix(std::size_t h)
{
    return h ^ (h >> 16);
}

std::size_t hash_key(const Key &key)
{
    return mix(std::hash<Key>{}(key));
}

template <typename V>
bool Lru<V>::operator==(const Lru &other) const
{
    return order_ == other.order_;
}

} // namespace store::cache

int cache_c_abi_version(void)
{
    return 2;
}
