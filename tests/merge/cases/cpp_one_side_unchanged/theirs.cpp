#include <unordered_map>
#include <string>

class Registry {
public:
    void add(const std::string &k, int v)  { map_.emplace(k, v); }
    int get(const std::string &k) const
    {
        auto it = map_.find(k);
        return it == map_.end() ? -1 : it->second;
    }

private:
    std::unordered_map<std::string, int> map_;
};
