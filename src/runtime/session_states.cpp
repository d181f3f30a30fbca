// KV-cache states of a Session (issue #5): the binding of (past input, present output) pairs to
// buffers the session owns, and the in-place append a decode step makes instead of the model's
// Concat. See Session::use_states.
#include "runtime/session_states.h"

#include <cstring>
#include <string_view>

#include "ir/error.h"
#include "ops/op_table.h"
#include "runtime/session.h"

namespace frugal {

namespace {

const Value* find_named(const Graph& g, const std::vector<ValueId>& ids, const std::string& name, ValueId* id) {
    for (ValueId v : ids)
        if (g.values[size_t(v)].name == name) {
            *id = v;
            return &g.values[size_t(v)];
        }
    return nullptr;
}

}  // namespace

bool reads_state_in_place(const Node& n, size_t input) {
    // Shape and Size read no data; FusedAttention takes K and V with strides.
    if (n.op == OpKind::Shape || n.op == OpKind::Size) return true;
    return std::string_view(op_name(n.op)) == "FusedAttention" && (input == 1 || input == 2);
}

void append_to_state(const Tensor& fresh, const Shape& state_shape, int axis, int64_t length, std::byte* state,
                     std::byte* dense) {
    // The state is [outer, capacity, inner] around the axis; fresh is [outer, n, inner].
    size_t esize = dtype_size(fresh.dtype);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= state_shape[size_t(d)];
    for (size_t d = size_t(axis) + 1; d < state_shape.size(); ++d) inner *= state_shape[d];
    int64_t capacity = state_shape[size_t(axis)], n = fresh.shape[size_t(axis)];
    size_t row = size_t(inner) * esize;
    const std::byte* src = fresh.raw();
    for (int64_t o = 0; o < outer; ++o) {
        std::byte* at = state + size_t(o * capacity + length) * row;
        std::memcpy(at, src + size_t(o * n) * row, size_t(n) * row);
        // A reader that cannot take the state in place gets the whole present, dense.
        if (dense) std::memcpy(dense + size_t(o * (length + n)) * row, state + size_t(o * capacity) * row, size_t(length + n) * row);
    }
}

bool Session::use_states(const std::vector<std::pair<std::string, std::string>>& pairs, int64_t capacity, std::string* why) {
    const Graph& g = model_->model.graph;
    auto refuse = [&](const std::string& reason) {
        if (why) *why = reason;
        return false;
    };
    if (capacity <= 0) return refuse("the state capacity must be positive");
    auto consumers = g.consumers();
    std::vector<State> states;
    for (const auto& [past_name, present_name] : pairs) {
        State st;
        const Value* past = find_named(g, g.inputs, past_name, &st.past);
        const Value* present = find_named(g, g.outputs, present_name, &st.present);
        if (!past) return refuse("no input '" + past_name + "'");
        if (!present) return refuse("no output '" + present_name + "'");
        NodeId producer = present->producer;
        const Node* concat = producer == kNoId ? nullptr : &g.nodes[size_t(producer)];
        if (!concat || concat->op != OpKind::Concat || concat->inputs.size() != 2 || concat->inputs[0] != st.past)
            return refuse("'" + present_name + "' is not Concat('" + past_name + "', new positions)");
        if (!past->shape.rank_known) return refuse("'" + past_name + "' has no known rank");
        int64_t rank = int64_t(past->shape.rank());
        st.concat = producer;
        st.axis = int(normalize_axis(concat->attrs.get_int("axis"), rank));
        // The past feeds nothing but the Concat and shape arithmetic: its bytes are the state's.
        for (NodeId c : consumers[size_t(st.past)]) {
            const Node& cn = g.nodes[size_t(c)];
            if (c != producer && cn.op != OpKind::Shape && cn.op != OpKind::Size)
                return refuse("'" + past_name + "' is also read by " + cn.context());
        }
        // The buffer: the declared shape, batch 1 when it is symbolic, capacity on the axis.
        st.shape = past->shape.dims;
        for (int64_t d = 0; d < rank; ++d) {
            int64_t& dim = st.shape[size_t(d)];
            if (d == st.axis) dim = capacity;
            else if (dim < 0 && d == 0) dim = 1;
            else if (dim < 0) return refuse("'" + past_name + "' " + past->shape.to_string() + " has a symbolic dim besides batch and positions");
        }
        size_t bytes = size_t(shape_numel(st.shape)) * dtype_size(past->dtype);
        // Pages are touched only as positions are written: an unused capacity costs address space.
        st.buffer = Buffer::allocate(bytes);
        states.push_back(std::move(st));
    }
    states_ = std::move(states);
    state_capacity_ = capacity;
    state_length_ = 0;
    drop_plan();  // the pasts were inputs in the old plan
    return true;
}

}  // namespace frugal
