#include "ir/attribute.h"

#include "ir/error.h"

namespace frugal {

const AttributeValue* Attributes::find(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
}

template <class T>
static const T& get_as(const Attributes& a, const std::string& name, const char* kind) {
    const AttributeValue* v = a.find(name);
    if (!v) fail("missing required attribute '" + name + "'");
    if (!std::holds_alternative<T>(*v)) fail("attribute '" + name + "' is not " + kind);
    return std::get<T>(*v);
}

int64_t Attributes::get_int(const std::string& name, int64_t fallback) const {
    return has(name) ? get_as<int64_t>(*this, name, "an int") : fallback;
}
int64_t Attributes::get_int(const std::string& name) const { return get_as<int64_t>(*this, name, "an int"); }
float Attributes::get_float(const std::string& name, float fallback) const {
    if (!has(name)) return fallback;
    const AttributeValue* v = find(name);
    if (std::holds_alternative<int64_t>(*v)) return float(std::get<int64_t>(*v));
    return get_as<float>(*this, name, "a float");
}
std::string Attributes::get_string(const std::string& name, const std::string& fallback) const {
    return has(name) ? get_as<std::string>(*this, name, "a string") : fallback;
}
std::string Attributes::get_string(const std::string& name) const {
    return get_as<std::string>(*this, name, "a string");
}
std::vector<int64_t> Attributes::get_ints(const std::string& name, const std::vector<int64_t>& fallback) const {
    return has(name) ? get_as<std::vector<int64_t>>(*this, name, "a list of ints") : fallback;
}
std::vector<float> Attributes::get_floats(const std::string& name, const std::vector<float>& fallback) const {
    return has(name) ? get_as<std::vector<float>>(*this, name, "a list of floats") : fallback;
}
const Tensor& Attributes::get_tensor(const std::string& name) const {
    return get_as<Tensor>(*this, name, "a tensor");
}

}  // namespace frugal
