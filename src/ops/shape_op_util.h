#pragma once
// Helpers shared by the data-movement and shape ops (Transpose ... Range): reading shape-like
// inputs (Reshape's shape, axes, starts, repeats), axis lists, partial shapes that keep symbolic
// dim names, and one strided copy that Transpose, Slice and Expand all reduce to.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ops/op_util.h"

namespace frugal::ops {

// The elements of a rank-0 or rank-1 integer tensor; fails naming `what` otherwise.
std::vector<int64_t> int_list(const Tensor& t, const char* what);
// Input i, or nullptr when it is omitted (or beyond the inputs given).
const Tensor* optional_input(std::span<const Tensor* const> inputs, size_t i);
bool input_present(std::span<const ValueType> inputs, size_t i);
// The values of a constant shape-like input; nullopt when the input is absent or not constant.
std::optional<std::vector<int64_t>> constant_ints(std::span<const ValueType> inputs, size_t i, const char* what);
// The length of a 1-D input whose values are unknown but whose shape is known, else kDynamic.
int64_t known_length(const ValueType& v);

// Each axis normalized into [0, rank); fails on an axis out of range or given twice.
std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank, const char* what);

// Symbolic name of dim i of p ("" if none), and appending dims while keeping dim_names either
// empty or one per dim.
std::string dim_name(const PartialShape& p, size_t i);
void push_dim(PartialShape& out, int64_t d, const std::string& name = {});
void push_dim_of(PartialShape& out, const PartialShape& in, size_t i);
// Element count of a partial shape, or kDynamic when a dim or the rank is unknown.
int64_t known_numel(const PartialShape& p);

// Copies an out_shape-shaped walk of src into dst (dense, row-major). The element at output index
// (i0, i1, ...) is read from src element `start + sum(i_k * src_strides[k])`; strides may be zero
// (broadcast) or negative (reversed slices). All offsets are in elements of `esize` bytes.
void strided_copy(const std::byte* src, int64_t start, const std::vector<int64_t>& src_strides,
                  const Shape& out_shape, size_t esize, std::byte* dst);

}  // namespace frugal::ops
