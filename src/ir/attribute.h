#pragma once
// Node attributes, ONNX-shaped: a name maps to one of a few value kinds. Accessors throw with
// the attribute name when the kind is wrong, so ops never read a wrong-typed attribute silently.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "ir/tensor.h"

namespace frugal {

using AttributeValue = std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>,
                                    std::vector<std::string>, Tensor>;

class Attributes {
public:
    bool has(const std::string& name) const { return values_.count(name) != 0; }
    void set(const std::string& name, AttributeValue v) { values_[name] = std::move(v); }
    void erase(const std::string& name) { values_.erase(name); }
    const std::map<std::string, AttributeValue>& all() const { return values_; }

    int64_t get_int(const std::string& name, int64_t fallback) const;
    int64_t get_int(const std::string& name) const;  // required
    float get_float(const std::string& name, float fallback) const;
    std::string get_string(const std::string& name, const std::string& fallback) const;
    std::string get_string(const std::string& name) const;  // required
    std::vector<int64_t> get_ints(const std::string& name, const std::vector<int64_t>& fallback = {}) const;
    std::vector<float> get_floats(const std::string& name, const std::vector<float>& fallback = {}) const;
    const Tensor& get_tensor(const std::string& name) const;  // required
    const AttributeValue* find(const std::string& name) const;

private:
    std::map<std::string, AttributeValue> values_;
};

}  // namespace frugal
