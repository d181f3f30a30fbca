#include "runtime/session.h"

#include <chrono>
#include <climits>
#include <set>

#include "compile/memory_plan.h"
#include "ir/error.h"
#include "kernels/cpu/batched_matmul.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/gather.h"
#include "kernels/cpu/gelu.h"
#include "kernels/cpu/layer_norm.h"
#include "kernels/cpu/softmax.h"
#include "kernels/cpu/transpose.h"
#include "ops/op_table.h"
#include "runtime/attention_step.h"
#include "runtime/session_states.h"

namespace frugal {

namespace {

// Plan-time evaluation is for shape arithmetic and masks of a few elements, never real work.
constexpr int64_t kPlanTimeElements = 1 << 16;

enum class StepKind {
    reference, alias, fused_matmul, gather_packed, gather_rows, layer_norm, softmax, gelu,
    add, add_bias, mul_scalar, transpose_0213, transpose, batched_matmul, fused_attention, state_append,
};

// state: a KV-cache state's buffer (the past input, and the present when its readers take it in
// place); the slot's shape is the logical one, the buffer has the state's capacity.
enum class Where { constant, input, plan_time, arena, owned, alias, state };

struct Slot {
    DType dtype = DType::undefined;
    Shape shape;
    Where where = Where::owned;
    size_t offset = 0;
    int root = -1;  // alias: the value whose bytes it shares
    Tensor value;   // plan_time
    Shape physical; // state: the buffer's shape (capacity positions); `shape` is what is filled
};

struct Step {
    StepKind kind = StepKind::reference;
    NodeId node = kNoId;
    int packed = -1;
    float scalar = 0;
    int64_t rows = 0, n = 0;
    int64_t causal_block = 0;  // softmax: query rows per block of a causal mask (0: no mask)
    int attention = -1;        // fused_attention: index of its kernel arguments in the plan
    int state = -1;            // state_append: which state
    bool materialize = false;  // state_append: also write the dense present for readers that need it
};

bool is_view_op(OpKind k) {
    return k == OpKind::Reshape || k == OpKind::Flatten || k == OpKind::Squeeze || k == OpKind::Unsqueeze || k == OpKind::Identity;
}

// A Where that applies a causal mask before a Softmax over the last axis: Where(mask, scores, c)
// with mask [q, k] (or with leading 1s) known at plan time, true exactly where key j <= k - q + i,
// and c a very negative scalar, read by nothing but that Softmax. The Softmax kernel applies the
// same mask itself, so the Where is skipped and no [batch, heads, q, k] copy is made.
bool is_causal_mask_before_softmax(const Graph& g, const std::vector<std::vector<NodeId>>& consumers, const Node& n,
                                   const std::vector<Slot>& s) {
    if (n.op != OpKind::Where || n.inputs.size() != 3 || g.is_graph_output(n.outputs[0])) return false;
    const auto& readers = consumers[size_t(n.outputs[0])];
    if (readers.size() != 1 || g.nodes[size_t(readers[0])].op != OpKind::Softmax) return false;
    const Node& sm = g.nodes[size_t(readers[0])];
    const Slot& mask = s[size_t(n.inputs[0])];
    const Slot& scores = s[size_t(n.inputs[1])];
    const Slot& fill = s[size_t(n.inputs[2])];
    if (scores.dtype != DType::f32 || scores.shape.size() < 2 || sm.opset < 13) return false;
    if (normalize_axis(sm.attrs.get_int("axis", -1), int64_t(scores.shape.size())) != int64_t(scores.shape.size()) - 1) return false;
    const Tensor* fill_value = fill.where == Where::plan_time ? &fill.value
                               : g.values[size_t(n.inputs[2])].constant ? &*g.values[size_t(n.inputs[2])].constant : nullptr;
    if (!fill_value || fill_value->numel() != 1 || fill_value->double_at(0) > -1e4) return false;
    if (mask.where != Where::plan_time || mask.dtype != DType::boolean || mask.shape.size() < 2) return false;
    return is_plain_causal_mask(mask.value, scores.shape[scores.shape.size() - 2], scores.shape.back());
}

// In place where the kernel allows it: an elementwise step (add, add_bias, mul_scalar, gelu)
// whose input's bytes are read by nobody after it writes its output over them. Returns for each
// value the value whose arena bytes it uses (itself, or the input it overwrote, transitively), and
// extends that value's last use to cover the output's.
template <class RootOf>
std::vector<ValueId> in_place_homes(const Graph& g, const std::vector<Step>& steps, const std::vector<Slot>& s, RootOf root_of,
                                    std::vector<int>& last) {
    std::vector<ValueId> home(s.size());
    for (size_t v = 0; v < s.size(); ++v) home[v] = ValueId(v);
    for (size_t k = 0; k < steps.size(); ++k) {
        const Step& st = steps[k];
        size_t candidates = st.kind == StepKind::add ? 2 : st.kind == StepKind::add_bias || st.kind == StepKind::mul_scalar || st.kind == StepKind::gelu ? 1 : 0;
        const Node& n = g.nodes[size_t(st.node)];
        ValueId out = n.outputs[0];
        if (!candidates || s[size_t(out)].where != Where::arena) continue;
        size_t bytes = size_t(shape_numel(s[size_t(out)].shape)) * dtype_size(s[size_t(out)].dtype);
        for (size_t i = 0; i < candidates; ++i) {
            ValueId h = home[size_t(root_of(n.inputs[i]))];
            if (s[size_t(h)].where != Where::arena || last[size_t(h)] != int(k)) continue;
            if (size_t(shape_numel(s[size_t(h)].shape)) * dtype_size(s[size_t(h)].dtype) != bytes) continue;
            home[size_t(out)] = h;
            last[size_t(h)] = std::max(last[size_t(h)], last[size_t(out)]);
            break;
        }
    }
    return home;
}

// FusedAttention's kernel arguments for dense operands of these shapes; a bool mask known now
// (plan time or constant) that is the plain causal mask becomes the kernel's causal flag.
kernels::AttentionArgs attention_args(const Graph& g, const Node& n, const std::vector<Slot>& s) {
    auto slot = [&](size_t i) -> const Slot& { return s[size_t(n.inputs[i])]; };
    AttentionLayout l{.q = slot(0).shape, .k = slot(1).shape, .v = slot(2).shape, .out = s[size_t(n.outputs[0])].shape};
    // K and V read in place from a KV-cache state: the filled positions, with the buffer's strides.
    if (slot(1).where == Where::state) l.k_strides = shape_strides(slot(1).physical);
    if (slot(2).where == Where::state) l.v_strides = shape_strides(slot(2).physical);
    l.has_mask = n.has_input(3);
    l.has_add_mask = n.has_input(4);
    if (l.has_mask) l.mask = slot(3).shape;
    if (l.has_add_mask) l.add_mask = slot(4).shape;
    kernels::AttentionArgs args = plan_attention(n, l);
    if (l.has_mask && n.attrs.get_string("mask_kind", "none") == "bool" && n.attrs.get_float("mask_fill", 0.f) <= -1e4f) {
        const Value& mv = g.values[size_t(n.inputs[3])];
        const Tensor* m = slot(3).where == Where::plan_time ? &slot(3).value : mv.constant ? &*mv.constant : nullptr;
        if (m && is_plain_causal_mask(*m, args.Sq, args.Sk)) {
            l.causal = true;
            args = plan_attention(n, l);
        }
    }
    return args;
}

}  // namespace

struct Session::Plan {
    std::vector<Shape> input_shapes;
    std::vector<Slot> slots;
    std::vector<Step> steps;
    std::vector<kernels::AttentionArgs> attention;  // fused_attention steps' arguments, pointers unset
    size_t arena_bytes = 0;
    size_t kernel_steps = 0, reference_steps = 0;
};

Session::Session(std::shared_ptr<const compile::CompiledModel> model) : model_(std::move(model)) {}
Session::~Session() = default;
void Session::drop_plan() { plan_.reset(); }

size_t Session::arena_bytes() const { return plan_ ? plan_->arena_bytes : 0; }
size_t Session::kernel_steps() const { return plan_ ? plan_->kernel_steps : 0; }
size_t Session::reference_steps() const { return plan_ ? plan_->reference_steps : 0; }

// True when `small` (without its leading 1s) is the trailing dims of `big`: a block repeated over
// big's leading dims, which add_bias reads as rows.
static bool is_trailing_block(const Shape& small, const Shape& big) {
    size_t skip = 0;
    while (skip < small.size() && small[skip] == 1) ++skip;
    size_t len = small.size() - skip;
    if (len > big.size() || shape_numel(small) == 0) return false;
    return std::equal(small.begin() + long(skip), small.end(), big.end() - long(len));
}

// Picks the kernel for a node whose input and output shapes are now static.
static Step choose_kernel(const compile::CompiledModel& cm, NodeId id, const std::vector<Slot>& s) {
    const Graph& g = cm.model.graph;
    const Node& n = g.nodes[size_t(id)];
    Step st;
    st.node = id;
    auto in = [&](size_t i) -> const Slot& { return s[size_t(n.inputs[i])]; };
    auto f32 = [&](size_t i) { return n.has_input(i) && in(i).dtype == DType::f32; };
    const Slot& out = s[size_t(n.outputs[0])];
    int packed = cm.node_packed[size_t(id)];
    if (is_view_op(n.op) && n.outputs.size() == 1) {
        st.kind = StepKind::alias;
    } else if (n.op == OpKind::FusedMatMul && packed >= 0) {
        st.kind = StepKind::fused_matmul;
        st.packed = packed;
    } else if (n.op == OpKind::Gather && packed >= 0 && in(1).dtype == DType::i64) {
        st.kind = StepKind::gather_packed;
        st.packed = packed;
    } else if (n.op == OpKind::Gather && f32(0) && in(0).where == Where::constant && in(0).shape.size() == 2 &&
               n.attrs.get_int("axis", 0) == 0 && (in(1).dtype == DType::i64 || in(1).dtype == DType::i32)) {
        st.kind = StepKind::gather_rows;
    } else if (n.op == OpKind::LayerNormalization && f32(0) && n.outputs.size() == 1 && !in(0).shape.empty() &&
               (n.attrs.get_int("axis", -1) == -1 || n.attrs.get_int("axis", -1) == int64_t(in(0).shape.size()) - 1) &&
               in(1).shape.size() == 1 && (!n.has_input(2) || in(2).shape.size() == 1)) {
        st.kind = StepKind::layer_norm;
        st.n = in(0).shape.back();
        st.rows = shape_numel(in(0).shape) / std::max<int64_t>(st.n, 1);
    } else if (n.op == OpKind::Softmax && f32(0) && n.opset >= 13 && !in(0).shape.empty() &&
               normalize_axis(n.attrs.get_int("axis", -1), int64_t(in(0).shape.size())) == int64_t(in(0).shape.size()) - 1) {
        st.kind = StepKind::softmax;
        st.n = in(0).shape.back();
        st.rows = shape_numel(in(0).shape) / std::max<int64_t>(st.n, 1);
    } else if (n.op == OpKind::Gelu && f32(0)) {
        st.kind = StepKind::gelu;
    } else if (n.op == OpKind::Add && f32(0) && f32(1) && in(0).shape == out.shape && in(1).shape == out.shape) {
        st.kind = StepKind::add;
    } else if (n.op == OpKind::Add && f32(0) && f32(1) && in(0).shape == out.shape && is_trailing_block(in(1).shape, out.shape)) {
        // b repeats over the leading dims of a: a bias [N], or the position embedding [seq, hidden].
        st.kind = StepKind::add_bias;
        st.n = std::max<int64_t>(shape_numel(in(1).shape), 1);
        st.rows = shape_numel(out.shape) / st.n;
    } else if (n.op == OpKind::Mul && f32(0) && f32(1) && in(0).shape == out.shape && in(1).where == Where::constant &&
               shape_numel(in(1).shape) == 1) {
        st.kind = StepKind::mul_scalar;
        st.scalar = g.values[size_t(n.inputs[1])].constant->data<float>()[0];
    } else if (n.op == OpKind::Transpose && f32(0)) {
        std::vector<int64_t> perm = n.attrs.get_ints("perm");
        st.kind = perm == std::vector<int64_t>{0, 2, 1, 3} ? StepKind::transpose_0213 : StepKind::transpose;
    } else if (n.op == OpKind::FusedAttention && f32(0) && f32(1) && f32(2)) {
        st.kind = StepKind::fused_attention;
    } else if (n.op == OpKind::MatMul && f32(0) && f32(1) && in(0).shape.size() >= 3 && in(0).shape.size() == in(1).shape.size()) {
        const Shape& a = in(0).shape;
        const Shape& b = in(1).shape;
        bool same_batch = std::equal(a.begin(), a.end() - 2, b.begin());
        st.kind = same_batch ? StepKind::batched_matmul : StepKind::reference;
    }
    return st;
}

void Session::make_plan(const TensorMap& inputs) {
    const compile::CompiledModel& cm = *model_;
    const Graph& g = cm.model.graph;
    check_inputs(cm.model, inputs);
    auto plan = std::make_unique<Plan>();
    std::vector<Slot>& s = plan->slots;
    s.resize(g.values.size());
    for (size_t i = 0; i < g.values.size(); ++i) {
        s[i].dtype = g.values[i].dtype;
        if (g.values[i].is_constant()) {
            s[i].where = Where::constant;
            s[i].shape = g.values[i].constant->shape;
        } else if (g.values[i].shape.is_static()) {
            s[i].shape = g.values[i].shape.dims;  // packed weights keep their shape here
        }
    }
    for (ValueId id : g.inputs) {
        const Tensor& t = inputs.at(g.values[size_t(id)].name);
        s[size_t(id)].where = Where::input;
        s[size_t(id)].shape = t.shape;
        plan->input_shapes.push_back(t.shape);
    }
    auto consumers = g.consumers();
    std::vector<int> state_of_concat(g.nodes.size(), -1);
    for (size_t k = 0; k < states_.size(); ++k) {
        s[size_t(states_[k].past)].where = Where::state;
        s[size_t(states_[k].past)].physical = states_[k].shape;
        state_of_concat[size_t(states_[k].concat)] = int(k);
    }
    std::set<ValueId> causal_scores;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        if (n.dead) continue;
        std::vector<ValueType> in(n.inputs.size());
        bool all_known = cm.node_packed[i] < 0;
        int64_t known_elements = 0;
        for (size_t k = 0; k < n.inputs.size(); ++k) {
            if (n.inputs[k] == kNoId) {
                in[k].present = false;
                continue;
            }
            const Slot& sl = s[size_t(n.inputs[k])];
            const Value& v = g.values[size_t(n.inputs[k])];
            in[k].dtype = sl.dtype;
            in[k].shape = PartialShape(sl.shape);
            if (sl.where == Where::constant && v.constant) in[k].constant = &*v.constant;
            if (sl.where == Where::plan_time) in[k].constant = &sl.value;
            all_known &= in[k].constant != nullptr;
            if (in[k].constant) known_elements += in[k].constant->numel();
        }
        // Shapes of values whose shapes are known need no data; small constant math is done now.
        bool shape_only = (n.op == OpKind::Shape || n.op == OpKind::Size) && n.has_input(0);
        if (shape_only || (all_known && known_elements <= kPlanTimeElements)) {
            std::vector<Tensor> results(n.outputs.size());
            std::vector<const Tensor*> ptrs(n.inputs.size(), nullptr);
            Tensor shape_carrier;
            for (size_t k = 0; k < n.inputs.size(); ++k) ptrs[k] = in[k].present ? in[k].constant : nullptr;
            if (shape_only && !ptrs[0]) {
                shape_carrier.dtype = in[0].dtype;  // no bytes: Shape and Size read only the shape
                shape_carrier.shape = s[size_t(n.inputs[0])].shape;
                ptrs[0] = &shape_carrier;
            }
            evaluate_node(n, ptrs, results);
            bool small = true;
            for (const Tensor& t : results) small &= t.numel() <= kPlanTimeElements;
            if (small) {
                for (size_t k = 0; k < n.outputs.size(); ++k) {
                    if (n.outputs[k] == kNoId) continue;
                    Slot& o = s[size_t(n.outputs[k])];
                    o.where = Where::plan_time;
                    o.shape = results[k].shape;
                    o.dtype = results[k].dtype;
                    o.value = std::move(results[k]);
                }
                continue;
            }
        }
        std::vector<ValueType> out(n.outputs.size());
        infer_node(n, in, out);
        for (size_t k = 0; k < n.outputs.size(); ++k) {
            if (n.outputs[k] == kNoId) continue;
            if (!out[k].shape.is_static())
                fail(model_->model.path + ": " + n.context() + ": the shape of output '" + g.values[size_t(n.outputs[k])].name +
                     "' cannot be determined from the input shapes (" + out[k].shape.to_string() + ")");
            s[size_t(n.outputs[k])].shape = out[k].shape.dims;
            s[size_t(n.outputs[k])].dtype = out[k].dtype;
        }
        Step st = choose_kernel(cm, NodeId(i), s);
        if (st.kind == StepKind::fused_attention) {
            st.attention = int(plan->attention.size());
            try {
                plan->attention.push_back(attention_args(g, n, s));
            } catch (const Error& e) {
                fail(model_->model.path + ": " + n.context() + ": " + e.what());
            }
        }
        if (state_of_concat[i] >= 0) {
            st.kind = StepKind::state_append;
            st.state = state_of_concat[i];
            for (NodeId c : consumers[size_t(n.outputs[0])]) {
                const Node& cn = g.nodes[size_t(c)];
                for (size_t k = 0; k < cn.inputs.size(); ++k)
                    st.materialize |= cn.inputs[k] == n.outputs[0] && !reads_state_in_place(cn, k);
            }
        } else if (is_causal_mask_before_softmax(g, consumers, n, s)) {
            st.kind = StepKind::alias;  // the scores themselves; the Softmax masks
            causal_scores.insert(n.outputs[0]);
        } else if (st.kind == StepKind::softmax && causal_scores.count(n.inputs[0])) {
            const Shape& sh = s[size_t(n.inputs[0])].shape;
            st.causal_block = sh[sh.size() - 2];
        }
        for (ValueId o : n.outputs) {
            if (o == kNoId) continue;
            Slot& sl = s[size_t(o)];
            if (st.kind == StepKind::reference) sl.where = Where::owned;
            else if (st.kind == StepKind::state_append) {
                sl.where = st.materialize ? Where::arena : Where::state;
                sl.physical = states_[size_t(st.state)].shape;
            }
            else if (st.kind == StepKind::alias) {
                const Slot& src = s[size_t(n.inputs[0])];
                sl.where = Where::alias;
                sl.root = src.where == Where::alias ? src.root : n.inputs[0];
            } else sl.where = Where::arena;
        }
        (st.kind == StepKind::reference ? plan->reference_steps : plan->kernel_steps) += st.kind != StepKind::alias;
        plan->steps.push_back(st);
    }
    // Lifetimes of arena values: from the step that writes them to the last step that reads them
    // directly or through an alias; graph outputs live to the end (they are copied out).
    std::vector<int> first(s.size(), -1), last(s.size(), -1);
    auto root_of = [&](ValueId v) { return s[size_t(v)].where == Where::alias ? s[size_t(v)].root : v; };
    for (size_t k = 0; k < plan->steps.size(); ++k) {
        const Node& n = g.nodes[size_t(plan->steps[k].node)];
        for (ValueId o : n.outputs)
            if (o != kNoId && s[size_t(o)].where == Where::arena) first[size_t(o)] = int(k);
        for (ValueId v : n.inputs)
            if (v != kNoId) last[size_t(root_of(v))] = int(k);
    }
    for (ValueId v : g.outputs) last[size_t(root_of(v))] = INT_MAX;
    std::vector<ValueId> home = in_place_homes(g, plan->steps, s, root_of, last);
    std::vector<compile::Lifetime> lifetimes;
    std::vector<size_t> which;
    for (size_t v = 0; v < s.size(); ++v) {
        if (s[v].where != Where::arena || home[v] != ValueId(v)) continue;
        compile::Lifetime l;
        l.bytes = size_t(shape_numel(s[v].shape)) * dtype_size(s[v].dtype);
        l.first = first[v];
        l.last = std::max(last[v], first[v]);
        lifetimes.push_back(l);
        which.push_back(v);
    }
    compile::MemoryPlan mp = compile::plan_memory(lifetimes);
    for (size_t k = 0; k < which.size(); ++k) s[which[k]].offset = mp.offsets[k];
    for (size_t v = 0; v < s.size(); ++v)
        if (s[v].where == Where::arena && home[v] != ValueId(v)) s[v].offset = s[size_t(home[v])].offset;
    plan->arena_bytes = mp.arena_bytes;
    if (!arena_ || arena_->size() < mp.arena_bytes) {
        // Decode steps grow the plan by a position at a time: half again as much each time
        // keeps the number of new arenas (and their page faults) logarithmic in the length.
        size_t bytes = arena_ ? std::max(mp.arena_bytes, arena_->size() + arena_->size() / 2) : mp.arena_bytes;
        arena_.reset();  // the old arena goes before the new one is made
        arena_ = Buffer::allocate(bytes);
    }
    plan_ = std::move(plan);
}

TensorMap Session::run(const TensorMap& given) {
    const compile::CompiledModel& cm = *model_;
    const Graph& g = cm.model.graph;
    // A state's past is not fed: a placeholder with its shape (no bytes) stands in for planning.
    TensorMap with_states;
    for (const State& st : states_) {
        const Value& v = g.values[size_t(st.past)];
        if (given.count(v.name))
            fail(cm.model.path + ": input '" + v.name + "' is a KV-cache state of this session and is not fed");
        if (with_states.empty()) with_states = given;
        Tensor& t = with_states[v.name];
        t.dtype = v.dtype;
        t.shape = st.shape;
        t.shape[size_t(st.axis)] = state_length_;
    }
    const TensorMap& inputs = states_.empty() ? given : with_states;
    bool same = plan_ && plan_->input_shapes.size() == g.inputs.size();
    for (size_t i = 0; same && i < g.inputs.size(); ++i) {
        auto it = inputs.find(g.values[size_t(g.inputs[i])].name);
        same = it != inputs.end() && it->second.shape == plan_->input_shapes[i];
    }
    if (same) check_inputs(cm.model, inputs);
    else {
        auto started = std::chrono::steady_clock::now();
        make_plan(inputs);
        if (timing_) step_seconds_["(planning)"] += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    const std::vector<Slot>& s = plan_->slots;

    std::vector<Tensor> cur(s.size());
    for (size_t v = 0; v < s.size(); ++v) {
        switch (s[v].where) {
            case Where::constant: if (g.values[v].constant) cur[v] = *g.values[v].constant; break;
            case Where::plan_time: cur[v] = s[v].value; break;
            case Where::arena: cur[v] = Tensor::over(s[v].dtype, s[v].shape, arena_, s[v].offset); break;
            default: break;
        }
    }
    for (ValueId id : g.inputs) cur[size_t(id)] = inputs.at(g.values[size_t(id)].name);
    for (const State& st : states_) {
        // Readers of a state see its whole buffer; the slot's shape says how much is filled.
        Tensor whole = Tensor::over(g.values[size_t(st.past)].dtype, st.shape, st.buffer);
        cur[size_t(st.past)] = whole;
        if (s[size_t(st.present)].where == Where::state) cur[size_t(st.present)] = whole;
    }
    int64_t appended = 0;

    for (const Step& st : plan_->steps) {
        const Node& n = g.nodes[size_t(st.node)];
        auto x = [&](size_t i) -> const Tensor& { return cur[size_t(n.inputs[i])]; };
        Tensor& y = cur[size_t(n.outputs[0])];
        auto started = std::chrono::steady_clock::now();
        try {
            switch (st.kind) {
                case StepKind::reference: {
                    std::vector<const Tensor*> in(n.inputs.size(), nullptr);
                    for (size_t i = 0; i < n.inputs.size(); ++i)
                        if (n.inputs[i] != kNoId) in[i] = &cur[size_t(n.inputs[i])];
                    std::vector<Tensor> out(n.outputs.size());
                    evaluate_node(n, in, out);
                    for (size_t i = 0; i < n.outputs.size(); ++i) {
                        if (n.outputs[i] == kNoId) continue;
                        // A view op (Split, Slice, ...) returns a view of its input; the planner
                        // reuses arena bytes after their value's last reader and a state is written
                        // by the next step, so a view of either is copied out here.
                        bool borrowed = out[i].buffer && out[i].buffer == arena_;
                        for (const State& state : states_) borrowed |= out[i].buffer == state.buffer;
                        cur[size_t(n.outputs[i])] = borrowed ? out[i].clone() : std::move(out[i]);
                    }
                    break;
                }
                case StepKind::alias: y = x(n.op == OpKind::Where ? 1 : 0).reshaped(s[size_t(n.outputs[0])].shape); break;
                case StepKind::fused_matmul: {
                    kernels::PackedMatmul& pm = *cm.packed[size_t(st.packed)];
                    const float* residual = nullptr;
                    if (n.has_input(3)) {
                        if (x(3).shape != y.shape)
                            fail("residual " + shape_to_string(x(3).shape) + " does not match the output " + shape_to_string(y.shape));
                        residual = x(3).data<float>();
                    }
                    std::lock_guard<std::mutex> lock(*cm.packed_locks[size_t(st.packed)]);
                    pm.run(x(0).data<float>(), x(0).numel() / pm.k(), y.mutable_data<float>(), residual);
                    break;
                }
                case StepKind::gather_packed:
                    cm.packed[size_t(st.packed)]->gather_rows(x(1).data<int64_t>(), x(1).numel(), y.mutable_data<float>());
                    break;
                case StepKind::gather_rows:
                    if (x(1).dtype == DType::i64)
                        kernels::gather_rows(x(0).data<float>(), x(0).shape[0], x(0).shape[1], x(1).data<int64_t>(), x(1).numel(), y.mutable_data<float>());
                    else
                        kernels::gather_rows(x(0).data<float>(), x(0).shape[0], x(0).shape[1], x(1).data<int32_t>(), x(1).numel(), y.mutable_data<float>());
                    break;
                case StepKind::layer_norm:
                    kernels::layer_norm(x(0).data<float>(), x(1).data<float>(), n.has_input(2) ? x(2).data<float>() : nullptr,
                                        y.mutable_data<float>(), st.rows, st.n, n.attrs.get_float("epsilon", 1e-5f));
                    break;
                case StepKind::softmax: {
                    kernels::SoftmaxOptions so;
                    if (st.causal_block > 0) {
                        so.causal = true;
                        so.block_rows = st.causal_block;
                        so.past = st.n - st.causal_block;
                    }
                    kernels::softmax(x(0).data<float>(), y.mutable_data<float>(), st.rows, st.n, so);
                    break;
                }
                case StepKind::gelu:
                    kernels::gelu(x(0).data<float>(), y.mutable_data<float>(), y.numel(),
                                  n.attrs.get_string("approximate", "none") == "tanh" ? kernels::GeluForm::tanh : kernels::GeluForm::erf);
                    break;
                case StepKind::add: kernels::add(x(0).data<float>(), x(1).data<float>(), y.mutable_data<float>(), y.numel()); break;
                case StepKind::add_bias:
                    kernels::add_bias(x(0).data<float>(), x(1).data<float>(), y.mutable_data<float>(), st.rows, st.n);
                    break;
                case StepKind::mul_scalar: kernels::mul_scalar(x(0).data<float>(), st.scalar, y.mutable_data<float>(), y.numel()); break;
                case StepKind::transpose_0213: {
                    const Shape& d = x(0).shape;
                    kernels::transpose_0213(x(0).data<float>(), y.mutable_data<float>(), d[0], d[1], d[2], d[3]);
                    break;
                }
                case StepKind::transpose: {
                    std::vector<int64_t> perm = n.attrs.get_ints("perm");
                    if (perm.empty())
                        for (size_t i = x(0).rank(); i-- > 0;) perm.push_back(int64_t(i));
                    kernels::transpose(x(0).raw(), y.mutable_raw(), x(0).shape, perm, 4);
                    break;
                }
                case StepKind::fused_attention:
                    run_attention(plan_->attention[size_t(st.attention)], x(0), x(1), x(2), n.has_input(3) ? &x(3) : nullptr,
                                  n.has_input(4) ? &x(4) : nullptr, y);
                    break;
                case StepKind::batched_matmul: {
                    const Shape& a = x(0).shape;
                    const Shape& b = x(1).shape;
                    kernels::BatchedMatmulArgs args;
                    args.M = a[a.size() - 2];
                    args.K = a.back();
                    args.N = b.back();
                    args.batch = shape_numel(a) / std::max<int64_t>(args.M * args.K, 1);
                    args.a = x(0).data<float>();
                    args.lda = args.K;
                    args.stride_a = args.M * args.K;
                    args.b = x(1).data<float>();
                    args.ldb = args.N;
                    args.stride_b = args.K * args.N;
                    args.c = y.mutable_data<float>();
                    args.ldc = args.N;
                    args.stride_c = args.M * args.N;
                    kernels::batched_matmul(args);
                    break;
                }
                case StepKind::state_append: {
                    State& state = states_[size_t(st.state)];
                    const Tensor& fresh = x(1);
                    int64_t n_new = fresh.shape[size_t(state.axis)];
                    Shape expected = state.shape;
                    expected[size_t(state.axis)] = n_new;
                    if (fresh.dtype != g.values[size_t(state.past)].dtype || fresh.shape != expected)
                        fail("the new positions " + shape_to_string(fresh.shape) + " do not fit the KV-cache state " +
                             shape_to_string(state.shape));
                    if (state_length_ + n_new > state_capacity_)
                        fail("the KV cache holds " + std::to_string(state_capacity_) + " positions; " + std::to_string(state_length_) +
                             " are filled and this run adds " + std::to_string(n_new));
                    append_to_state(fresh, state.shape, state.axis, state_length_, state.buffer->mutable_data(),
                                    st.materialize ? y.mutable_raw() : nullptr);
                    appended = n_new;
                    break;
                }
            }
        } catch (const Error& e) {
            std::string msg = e.what();
            if (msg.rfind("node '", 0) == 0) throw;
            throw Error(n.context() + ": " + msg);
        }
        if (timing_) {
            std::string key = std::string(op_name(n.op)) + (st.kind == StepKind::reference ? " [reference]" : st.kind == StepKind::alias ? " [view]" : " [kernel]");
            step_seconds_[key] += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        }
    }
    state_length_ += appended;
    TensorMap result;
    // Outputs are copied out of the arena: the next run reuses it. States stay in the session.
    for (ValueId v : g.outputs) {
        bool is_state = false;
        for (const State& st : states_) is_state |= st.present == v;
        if (is_state) continue;
        const Tensor& t = cur[size_t(v)];
        result[g.values[size_t(v)].name] = s[size_t(v)].where == Where::arena || s[size_t(v)].where == Where::alias ? t.clone() : t;
    }
    return result;
}

}  // namespace frugal
