#include "ir/shape.h"

#include "ir/error.h"

namespace frugal {

int64_t shape_numel(const Shape& s) {
    int64_t n = 1;
    for (int64_t d : s) {
        if (d < 0) fail("shape " + shape_to_string(s) + " has a negative dimension");
        if (d != 0 && n > INT64_MAX / d) fail("shape " + shape_to_string(s) + " has more elements than fit in 64 bits");
        n *= d;
    }
    return n;
}

std::string shape_to_string(const Shape& s) {
    std::string r = "[";
    for (size_t i = 0; i < s.size(); ++i) {
        if (i) r += ",";
        r += std::to_string(s[i]);
    }
    return r + "]";
}

std::vector<int64_t> shape_strides(const Shape& s) {
    std::vector<int64_t> st(s.size(), 1);
    for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
    return st;
}

bool PartialShape::is_static() const {
    if (!rank_known) return false;
    for (int64_t d : dims)
        if (d < 0) return false;
    return true;
}

std::string PartialShape::to_string() const {
    if (!rank_known) return "[...]";
    std::string r = "[";
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i) r += ",";
        if (dims[i] >= 0) r += std::to_string(dims[i]);
        else if (i < dim_names.size() && !dim_names[i].empty()) r += dim_names[i];
        else r += "?";
    }
    return r + "]";
}

bool PartialShape::admits(const Shape& s) const {
    if (!rank_known) return true;
    if (s.size() != dims.size()) return false;
    for (size_t i = 0; i < s.size(); ++i)
        if (dims[i] >= 0 && dims[i] != s[i]) return false;
    return true;
}

int64_t normalize_axis(int64_t axis, int64_t rank, const char* what) {
    if (axis < -rank || axis >= rank)
        fail(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    return axis < 0 ? axis + rank : axis;
}

}  // namespace frugal
