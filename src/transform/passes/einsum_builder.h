#pragma once
// The graph-building half of decompose_einsum: tensors whose axes are named by Einsum labels,
// and the few nodes (Transpose, Reshape, MatMul, Mul, ReduceSum, Slice, Shape, Gather, Concat)
// that move them around. Every method refuses to emit a node that would not change anything,
// and every method can run "dry" to price a layout before committing to it.
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "ir/graph.h"

namespace frugal::transform::einsum_detail {

// The labels merged into one axis, outermost first. An empty group is an axis of size 1 that
// carries no label (a broadcast ellipsis dim, or a MatMul row/column of one).
using Group = std::vector<int>;
using Axes = std::vector<Group>;

// What is known of a label's size. A dynamic size is read at run time from an axis of one of
// the Einsum's operands, which is always available where the decomposition runs.
struct LabelSize {
    int64_t value = kDynamic;
    ValueId source = kNoId;
    int64_t axis = 0;
    std::string name;  // the model's symbolic name for a dynamic dim, if any
    // An ellipsis dim of unknown size that several operands have: at run time it may be 1 in
    // some of them (numpy broadcasting), so no one operand tells its size. Such a label keeps
    // an axis of its own, and a Reshape only copies it (0) or infers it (-1).
    bool may_broadcast = false;
};

// Thrown while emitting when a label that may broadcast would need its size read from an
// operand; the caller removes what was emitted and leaves the Einsum.
struct CannotLower {};

// The size of one axis: a product of a number and of labels of unknown size.
struct Dim {
    int64_t fixed = 1;
    std::vector<int> dynamic;  // sorted
    bool is_static() const { return dynamic.empty(); }
    bool operator==(const Dim&) const = default;
};

struct Term {
    ValueId value = kNoId;
    Axes axes;
    bool constant = false;  // computed from constants only: its nodes fold away before run time
};

// The price of a layout, compared lexicographically: data moved by Transposes at run time
// first (every inference pays it), then data moved by Transposes of constants (paid once when
// folding, but a folded Transpose is a new copy of a weight), then node counts.
struct Cost {
    bool invalid = false;  // the layout cannot be built (see LabelSize::may_broadcast)
    double runtime_moved = 0;
    double constant_moved = 0;
    int runtime_nodes = 0;
    int constant_nodes = 0;
    auto key() const { return std::tuple(invalid, runtime_moved, constant_moved, runtime_nodes, constant_nodes); }
};

class Builder {
public:
    // Nominal size of an unknown dim when pricing layouts.
    static constexpr double kDynamicEstimate = 64;

    // used_names: every value name in the graph; new names are added to it.
    Builder(Graph& g, const Node& einsum, std::vector<LabelSize> sizes, std::unordered_set<std::string>& used_names);

    Dim dim_of(const Group& g) const;
    std::vector<Dim> dims_of(const Axes& axes) const;
    double numel_estimate(const Axes& axes) const;
    int64_t label_size(int label) const { return sizes_[size_t(label)].value; }
    PartialShape partial_shape(const Axes& axes) const;

    // With `dry` set, these add their price to *dry and return the Term they would make
    // (with value kNoId) without touching the graph.
    Term transpose(const Term& t, const std::vector<int64_t>& perm, Cost* dry = nullptr);
    Term reshape(const Term& t, const Axes& target, Cost* dry = nullptr);
    // Brings t to exactly the target axes with at most one Transpose and the Reshapes around it.
    Term arrange(const Term& t, const Axes& target, Cost* dry = nullptr);

    Term reduce_sum(const Term& t, const std::vector<int64_t>& axes);
    Term add_constant(const std::string& what, Tensor value, Axes axes);
    // Operands already in MatMul layout: l = [batch.., M, K] or [K]; r = [batch.., K, N] or [K].
    Term matmul(const Term& l, const Term& r);
    // Operands already aligned for numpy broadcasting.
    Term mul(const Term& a, const Term& b);
    // Axes sharing a label (of a known size) become one axis: a diagonal without a mask.
    Term diagonal(const Term& t);

    // The axes MatMul and Mul produce from operands in these layouts (numpy broadcasting).
    static Axes matmul_axes(const Axes& l, const Axes& r);
    static Axes broadcast_axes(const Axes& a, const Axes& b);

    const std::vector<NodeId>& new_nodes() const { return new_nodes_; }
    const std::vector<ValueId>& new_constants() const { return new_constants_; }

private:
    ValueId new_value(const std::string& what, DType t, PartialShape shape);
    ValueId constant_i64(const std::string& what, const std::vector<int64_t>& v);
    ValueId add_node(OpKind op, const std::string& what, std::vector<ValueId> inputs, Attributes attrs,
                     DType out_type, PartialShape out_shape);
    PartialShape partial_shape(const std::vector<Dim>& dims) const;
    // How a Reshape from in_dims to out_dims gives each output dim: a number, 0 (the input's
    // dim at the same index), -1 (inferred, at most once), or kComputed (read at run time).
    // Nothing when a label that may broadcast would have to be read.
    static constexpr int64_t kComputed = INT64_MIN;
    std::optional<std::vector<int64_t>> plan_shape(const std::vector<Dim>& in_dims, const std::vector<Dim>& out_dims) const;
    // The shape input itself: a constant, or Concat of constants and Shape/Gather/Mul results.
    ValueId shape_input(const std::vector<Dim>& in_dims, const std::vector<Dim>& out_dims);
    ValueId runtime_dim(int label);
    ValueId runtime_product(const Dim& d);
    ValueId emit_reshape(ValueId in, const std::vector<Dim>& in_dims, const std::vector<Dim>& out_dims);

    Graph& g_;
    std::string prefix_;
    int64_t opset_;
    DType dtype_;
    std::vector<LabelSize> sizes_;
    std::unordered_set<std::string>& used_names_;
    int counter_ = 0;
    std::vector<NodeId> new_nodes_;
    std::vector<ValueId> new_constants_;
    std::map<ValueId, ValueId> shape_of_source_;  // an Einsum operand -> its Shape node's output
    std::map<int, ValueId> runtime_dim_;          // a label -> a [1] int64 tensor with its size
};

}  // namespace frugal::transform::einsum_detail
