#pragma once
// Concrete shapes (Shape) for tensors and partial shapes (PartialShape) for graph values,
// where a dimension may be unknown (kDynamic) and the rank itself may be unknown.
#include <cstdint>
#include <string>
#include <vector>

namespace frugal {

using Shape = std::vector<int64_t>;
constexpr int64_t kDynamic = -1;

// Product of the dims; throws if it overflows int64 (hostile models).
int64_t shape_numel(const Shape& s);
std::string shape_to_string(const Shape& s);  // "[2,3,4]"
// Row-major strides in elements.
std::vector<int64_t> shape_strides(const Shape& s);

struct PartialShape {
    bool rank_known = false;
    std::vector<int64_t> dims;           // kDynamic where unknown
    std::vector<std::string> dim_names;  // symbolic names (ONNX dim_param), empty or one per dim

    PartialShape() = default;
    PartialShape(const Shape& s) : rank_known(true), dims(s) {}  // NOLINT: a static shape is a partial one
    static PartialShape unknown_rank() { return {}; }
    static PartialShape of_rank(size_t r) {
        PartialShape p;
        p.rank_known = true;
        p.dims.assign(r, kDynamic);
        return p;
    }
    bool is_static() const;
    size_t rank() const { return dims.size(); }
    std::string to_string() const;  // "[batch,?,768]" or "[...]"
    // True when a concrete shape fits this partial one.
    bool admits(const Shape& s) const;
};

// Normalizes an axis in [-rank, rank) to [0, rank); throws with `what` on failure.
int64_t normalize_axis(int64_t axis, int64_t rank, const char* what = "axis");

}  // namespace frugal
