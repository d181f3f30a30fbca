#include "transform/passes/fold_constants.h"

#include <algorithm>

#include "ops/op_table.h"
#include "profile/memory.h"

namespace frugal::transform {

namespace {

// Results below this size are folded even when they are larger than their inputs: shape
// arithmetic, masks, scalars.
constexpr size_t kAlwaysFoldBytes = size_t(1) << 20;
// A constant that something else still reads is copied by folding only when it is this small
// (shape vectors, scalars): a weight is held once, whatever its size.
constexpr size_t kSharedCopyBytes = size_t(4) << 10;

bool is_view_op(OpKind k) {
    return k == OpKind::Reshape || k == OpKind::Flatten || k == OpKind::Squeeze || k == OpKind::Unsqueeze ||
           k == OpKind::Identity || k == OpKind::Slice;
}

// Shape (with opset-15 start/end) and Size of a statically shaped value need no data.
std::optional<Tensor> fold_shape_only(const Node& n, const Value& in) {
    if (!in.shape.is_static()) return std::nullopt;
    const Shape& dims = in.shape.dims;
    if (n.op == OpKind::Size) return Tensor::scalar<int64_t>(shape_numel(dims));
    int64_t rank = int64_t(dims.size());
    auto clamp = [&](int64_t v) { return std::clamp(v < 0 ? v + rank : v, int64_t(0), rank); };
    int64_t start = clamp(n.attrs.get_int("start", 0));
    int64_t end = clamp(n.attrs.get_int("end", rank));
    std::vector<int64_t> out;
    for (int64_t i = start; i < end; ++i) out.push_back(dims[size_t(i)]);
    return Tensor::from_vector<int64_t>({int64_t(out.size())}, out);
}

// Bytes of a value when its shape is static, else nothing.
std::optional<size_t> static_bytes(const Value& v) {
    if (!v.shape.is_static() || v.dtype == DType::undefined) return std::nullopt;
    return size_t(shape_numel(v.shape.dims)) * dtype_size(v.dtype);
}

bool shares_storage(const Tensor& a, const Tensor& b) {
    return a.buffer && b.buffer && a.buffer->root() == b.buffer->root();
}

}  // namespace

size_t fold_constants(Model& model) {
    Graph& g = model.graph;
    std::vector<int> uses(g.values.size(), 0);
    for (const Node& n : g.nodes)
        if (!n.dead)
            for (ValueId v : n.inputs)
                if (v != kNoId) uses[size_t(v)]++;
    for (ValueId v : g.outputs) uses[size_t(v)]++;  // a graph output is never released

    size_t folded = 0;
    for (Node& n : g.nodes) {
        if (n.dead || n.outputs.empty()) continue;
        std::vector<Tensor> results(n.outputs.size());
        if ((n.op == OpKind::Shape || n.op == OpKind::Size) && n.has_input(0) && !g.values[size_t(n.inputs[0])].is_constant()) {
            auto t = fold_shape_only(n, g.values[size_t(n.inputs[0])]);
            if (!t) continue;
            results[0] = std::move(*t);
        } else {
            bool all_constant = true;
            size_t input_bytes = 0, shared_input_bytes = 0;
            for (ValueId v : n.inputs) {
                if (v == kNoId) continue;
                const Value& in = g.values[size_t(v)];
                if (!in.is_constant()) {
                    all_constant = false;
                    break;
                }
                input_bytes += in.constant->nbytes();
                // Read by someone else too: folding a copy of it would hold its bytes twice.
                int own = int(std::count(n.inputs.begin(), n.inputs.end(), v));
                if (uses[size_t(v)] > own) shared_input_bytes += in.constant->nbytes();
            }
            if (!all_constant) continue;
            if (!is_view_op(n.op)) {
                size_t out_bytes = 0;
                bool known = true;
                for (ValueId o : n.outputs) {
                    if (o == kNoId) continue;
                    auto b = static_bytes(g.values[size_t(o)]);
                    if (!b) known = false;
                    else out_bytes += *b;
                }
                if (shared_input_bytes > kSharedCopyBytes) continue;
                if (known && out_bytes > std::max(input_bytes, kAlwaysFoldBytes)) continue;
                if (!known && input_bytes > kAlwaysFoldBytes) continue;
            }
            std::vector<const Tensor*> in(n.inputs.size(), nullptr);
            for (size_t i = 0; i < n.inputs.size(); ++i)
                if (n.inputs[i] != kNoId) in[i] = &*g.values[size_t(n.inputs[i])].constant;
            evaluate_node(n, in, results);
            // A Slice that had to copy is no view: apply the same rule as for other ops.
            if (n.op == OpKind::Slice && shared_input_bytes > kSharedCopyBytes && !shares_storage(results[0], *in[0])) continue;
        }
        for (size_t i = 0; i < n.outputs.size(); ++i) {
            if (n.outputs[i] == kNoId) continue;
            Value& out = g.values[size_t(n.outputs[i])];
            out.dtype = results[i].dtype;
            out.shape = PartialShape(results[i].shape);
            out.constant = std::move(results[i]);
            out.producer = kNoId;
        }
        n.dead = true;
        folded++;
        // Release each input nobody reads any more, now, before the next weight is folded.
        for (ValueId v : n.inputs) {
            if (v == kNoId) continue;
            if (--uses[size_t(v)] == 0) g.values[size_t(v)].constant.reset();
        }
    }
    if (folded) g.compact();
    profile::trim_heap();
    return folded;
}

}  // namespace frugal::transform
