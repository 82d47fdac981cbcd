#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/detail/macro_scope.hpp>

NLOHMANN_JSON_NAMESPACE_BEGIN

/*!
@brief SAX interface
*/
template<typename BasicJsonType>
struct json_sax
{
    virtual bool null() = 0;
    virtual ~json_sax() = default;
};

namespace detail
{

template<typename BasicJsonType>
class json_sax_dom_parser
{
  public:
    explicit json_sax_dom_parser(BasicJsonType& r) : root(r) {}

    bool null()
    {
        return true;
    }

    bool boolean(bool val)
    {
        return val;
    }

    bool number_integer(int val)
    {
        return val != 0;
    }

  private:
    BasicJsonType& root;
};

}  // namespace detail

NLOHMANN_JSON_NAMESPACE_END
