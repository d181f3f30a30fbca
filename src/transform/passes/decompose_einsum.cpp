// decompose_einsum: Einsum -> Transpose / Reshape / MatMul / ReduceSum / Mul.
//
// Per Einsum, in order:
// 1. Each operand: axes of size 1 that broadcast against a larger ellipsis dim lose their label
//    (they become unlabeled size-1 axes, which cost nothing); a label repeated in the term takes
//    its diagonal (computed outright for a constant; for a tensor, the repeated axes are made
//    adjacent, flattened by a Reshape and read with one strided Slice, step 1 + n + .. +
//    n^(r-1), computed from the Shape when n is unknown: no mask, no Gather of the data);
//    labels no other operand and not the output has are summed (ReduceSum).
// 2. While two or more operands remain, contract the pair a greedy cost picks (numpy's
//    einsum_path 'greedy': pairs that share labels first, then the smallest growth in size,
//    then the fewest multiplications). Labels of the pair are batch (in both, still needed),
//    contracted (in both, not needed afterwards) and free (in one). With contracted labels the
//    pair becomes one MatMul, without them one Mul.
// 3. Transpose / Reshape the last result to the output.
// Layouts are chosen by pricing every candidate in a dry run (Builder::arrange): Transposes of
// run-time tensors cost most, then Transposes of constants, then node counts; MatMul's own
// numpy broadcasting of leading axes is used where it saves a Reshape. A no-op Transpose or
// Reshape is never emitted.
//
// Unknown dims are copied (0) or inferred (-1) by Reshape where that suffices, else read at
// run time (Shape, Gather, Mul, Concat). An ellipsis dim unknown in one operand that another
// operand also has may be 1 there at run time and broadcast: it keeps an axis of its own (MatMul
// and Mul broadcast it) and a Reshape may only copy or infer it.
//
// Left as Einsum: operands of unknown rank; element types MatMul lacks (8/16-bit integers);
// empty tensors (a 0 in a Reshape shape would mean "copy this dim"); the rare equations where
// a dim that may broadcast would have to be merged with another (the lowering is undone).
#include "transform/passes/decompose_einsum.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "ir/error.h"
#include "ops/einsum_equation.h"
#include "transform/passes/einsum_builder.h"

namespace frugal::transform {

using namespace einsum_detail;

namespace {

bool matmul_supports(DType t) {
    switch (t) {
        case DType::f32: case DType::f16: case DType::bf16: case DType::f64:
        case DType::i32: case DType::i64: case DType::u32: case DType::u64: return true;
        default: return false;
    }
}

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::vector<int> flat_labels(const Axes& axes) {
    std::vector<int> r;
    for (const Group& g : axes) r.insert(r.end(), g.begin(), g.end());
    return r;
}

// The labels of `order` that are in `set`, in the order of `order`.
std::vector<int> in_order(const std::vector<int>& order, const std::vector<int>& set) {
    std::vector<int> r;
    for (int l : order)
        if (contains(set, l)) r.push_back(l);
    return r;
}

Axes singles(const std::vector<int>& labels) {
    Axes a;
    for (int l : labels) a.push_back({l});
    return a;
}

template <class T>
void push_distinct(std::vector<T>& v, const T& x) {
    if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

struct Analysis {
    EinsumSpec spec;
    std::vector<LabelSize> sizes;
    std::vector<std::vector<bool>> dropped;  // per operand axis: a broadcast size-1 ellipsis axis
};

// Resolves label sizes from the operands' partial shapes and decides whether this Einsum can be
// lowered safely; nothing when it cannot. Throws (with the node) when the Einsum is invalid.
std::optional<Analysis> analyze(const Graph& g, const Node& einsum) {
    Analysis a;
    std::vector<size_t> ranks;
    for (ValueId v : einsum.inputs) ranks.push_back(g.values[size_t(v)].shape.rank());
    try {
        a.spec = parse_einsum(einsum.attrs.get_string("equation"), ranks);
    } catch (const Error& e) {
        fail(einsum.context() + ": " + e.what());
    }
    const EinsumSpec& spec = a.spec;
    size_t n = einsum.inputs.size();
    std::vector<int64_t> fixed(size_t(spec.label_count()), kDynamic);
    std::vector<int> non_unit(fixed.size(), 0);  // operands where the dim is not a static 1
    std::vector<bool> dynamic(fixed.size(), false);
    a.sizes.resize(fixed.size());
    for (size_t k = 0; k < n; ++k) {
        const Value& v = g.values[size_t(einsum.inputs[k])];
        for (size_t axis = 0; axis < spec.inputs[k].size(); ++axis) {
            int label = spec.inputs[k][axis];
            size_t l = size_t(label);
            int64_t d = v.shape.dims[axis];
            if (d == 0) return std::nullopt;
            bool unit = spec.is_ellipsis_label(label) && d == 1;
            if (!unit) non_unit[l]++;
            if (d == kDynamic) {
                if (!dynamic[l]) {
                    a.sizes[l].source = einsum.inputs[k];
                    a.sizes[l].axis = int64_t(axis);
                    if (axis < v.shape.dim_names.size()) a.sizes[l].name = v.shape.dim_names[axis];
                }
                dynamic[l] = true;
            } else if (!unit) {
                if (fixed[l] != kDynamic && fixed[l] != d)
                    fail(einsum.context() + ": label '" + spec.label_names[l] + "' has sizes " +
                         std::to_string(fixed[l]) + " and " + std::to_string(d));
                fixed[l] = d;
            }
        }
    }
    for (size_t l = 0; l < fixed.size(); ++l) {
        a.sizes[l].value = fixed[l] != kDynamic ? fixed[l] : dynamic[l] ? kDynamic : 1;
        if (a.sizes[l].value != kDynamic) a.sizes[l].source = kNoId;
        // Unknown in one operand and present in another: per tensor it is that tensor's own
        // dim, which only the tensor knows (a static size elsewhere does not tell).
        a.sizes[l].may_broadcast = spec.is_ellipsis_label(int(l)) && dynamic[l] && non_unit[l] >= 2;
        if (a.sizes[l].may_broadcast) a.sizes[l].value = kDynamic;
    }
    for (size_t k = 0; k < n; ++k) {
        const Value& v = g.values[size_t(einsum.inputs[k])];
        const std::vector<int>& term = spec.inputs[k];
        std::vector<bool> drop(term.size(), false);
        for (size_t axis = 0; axis < term.size(); ++axis) {
            int label = term[axis];
            drop[axis] = spec.is_ellipsis_label(label) && v.shape.dims[axis] == 1 && a.sizes[size_t(label)].value != 1;
        }
        a.dropped.push_back(std::move(drop));
    }
    return a;
}

// The diagonal of a constant, computed now: smaller than the operand, and no Slice to fold.
Term constant_diagonal(Builder& b, const Tensor& t, const Term& term) {
    std::vector<size_t> out_of_in(term.axes.size());
    Axes out_axes;
    Shape out_shape;
    for (size_t i = 0; i < term.axes.size(); ++i) {
        size_t first = i;
        if (!term.axes[i].empty())
            first = size_t(std::find(term.axes.begin(), term.axes.end(), term.axes[i]) - term.axes.begin());
        if (first == i) {
            out_of_in[i] = out_axes.size();
            out_axes.push_back(term.axes[i]);
            out_shape.push_back(t.shape[i]);
        } else {
            out_of_in[i] = out_of_in[first];
        }
    }
    std::vector<int64_t> in_strides = shape_strides(t.shape);
    std::vector<int64_t> step(out_shape.size(), 0);  // input elements per step of each output axis
    for (size_t i = 0; i < term.axes.size(); ++i) step[out_of_in[i]] += in_strides[i];
    Tensor r = Tensor::empty(t.dtype, out_shape);
    size_t es = dtype_size(t.dtype);
    std::vector<int64_t> idx(out_shape.size(), 0);
    int64_t off = 0;
    for (int64_t o = 0; o < r.numel(); ++o) {
        std::memcpy(r.mutable_raw() + size_t(o) * es, t.raw() + size_t(off) * es, es);
        for (size_t p = out_shape.size(); p-- > 0;) {
            off += step[p];
            if (++idx[p] < out_shape[p]) break;
            off -= step[p] * out_shape[p];
            idx[p] = 0;
        }
    }
    return b.add_constant("diagonal", std::move(r), std::move(out_axes));
}

// Step 1 for operand k: broadcast axes unlabeled, diagonal taken, private labels summed.
Term prepare_operand(Builder& b, const Graph& g, const Node& einsum, const Analysis& a, size_t k) {
    const EinsumSpec& spec = a.spec;
    const std::vector<int>& term = spec.inputs[k];
    ValueId v = einsum.inputs[k];
    Term t{v, {}, g.values[size_t(v)].is_constant()};
    std::vector<int> labels;
    for (size_t axis = 0; axis < term.size(); ++axis) {
        t.axes.push_back(a.dropped[k][axis] ? Group{} : Group{term[axis]});
        if (!a.dropped[k][axis]) labels.push_back(term[axis]);
    }
    std::vector<int> unique = labels;
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    if (unique.size() != labels.size())
        t = t.constant ? constant_diagonal(b, *g.values[size_t(v)].constant, t) : b.diagonal(t);

    std::vector<int64_t> private_axes;
    for (size_t axis = 0; axis < t.axes.size(); ++axis) {
        if (t.axes[axis].empty()) continue;
        int label = t.axes[axis][0];
        bool elsewhere = contains(spec.output, label);
        for (size_t j = 0; j < spec.inputs.size() && !elsewhere; ++j) {
            if (j == k) continue;
            for (size_t x = 0; x < spec.inputs[j].size() && !elsewhere; ++x)
                elsewhere = spec.inputs[j][x] == label && !a.dropped[j][x];
        }
        if (!elsewhere) private_axes.push_back(int64_t(axis));
    }
    return b.reduce_sum(t, private_axes);
}

struct Layout {
    Cost cost;
    Axes first, second;  // targets for the two operands, in the order the op takes them
    bool swapped = false;
    bool valid = false;
};

// Which free labels MatMul may treat as batch axes (broadcasting the other side over them)
// instead of merging them into M or N: the first `count` of L's or R's, before the shared batch
// axes (the other side needs nothing there) or after them (the other side gets size-1 axes).
enum class Lead { none, left_before, right_before, left_after, right_after };

// One candidate MatMul layout.
struct MatMulPlan {
    const std::vector<int>* batch;  // shared labels kept, in this order in both operands
    const std::vector<int>* k;      // contracted labels, merged into K in this order
    const std::vector<int>* free_l; // L's free labels, in this order
    const std::vector<int>* free_r;
    Lead lead = Lead::none;
    size_t count = 0;     // free labels that lead
    size_t units_l = 0;   // leading size-1 axes L already has and keeps
    size_t units_r = 0;
};

// The targets for L = [units, lead.., batch.., M, K] and R = [units, lead.., batch.., K, N], or
// [K] for a side with nothing but K (MatMul's vector case).
std::pair<Axes, Axes> matmul_targets(const MatMulPlan& p) {
    bool left = p.lead == Lead::left_before || p.lead == Lead::left_after;
    bool after = p.lead == Lead::left_after || p.lead == Lead::right_after;
    size_t kl = p.lead != Lead::none && left ? p.count : 0;
    size_t kr = p.lead != Lead::none && !left ? p.count : 0;
    Axes lt(p.units_l), rt(p.units_r);
    auto lead = [&] {
        for (size_t i = 0; i < kl; ++i) lt.push_back({(*p.free_l)[i]});
        for (size_t i = 0; i < kr; ++i) rt.push_back({(*p.free_r)[i]});
        if (after) (left ? rt : lt).insert((left ? rt : lt).end(), p.count, Group{});
    };
    if (!after) lead();
    for (int l : *p.batch) {
        lt.push_back({l});
        rt.push_back({l});
    }
    if (after) lead();
    Group m(p.free_l->begin() + std::ptrdiff_t(kl), p.free_l->end());
    Group n(p.free_r->begin() + std::ptrdiff_t(kr), p.free_r->end());
    Group k(p.k->begin(), p.k->end());
    if (lt.empty() && m.empty()) lt = {k};
    else lt.insert(lt.end(), {m, k});
    if (rt.empty() && n.empty()) rt = {k};
    else rt.insert(rt.end(), {k, n});
    return {lt, rt};
}

size_t leading_units(const Term& t) {
    size_t n = 0;
    while (n < t.axes.size() && t.axes[n].empty()) ++n;
    return n;
}

// A pair with contracted labels: one MatMul. Every candidate layout (which operand goes left,
// label orders taken from either operand or the output, which free labels lead) is priced in
// a dry run and the cheapest is built.
Term contract_matmul(Builder& b, const Term& A, const Term& B, const std::vector<int>& batch,
                     const std::vector<int>& contracted, const std::vector<int>* output) {
    std::vector<int> la = flat_labels(A.axes), lb = flat_labels(B.axes);
    std::vector<std::vector<int>> batch_orders, k_orders;
    push_distinct(batch_orders, in_order(la, batch));
    push_distinct(batch_orders, in_order(lb, batch));
    if (output) push_distinct(batch_orders, in_order(*output, batch));
    push_distinct(k_orders, in_order(la, contracted));
    push_distinct(k_orders, in_order(lb, contracted));

    Layout best;
    for (bool swapped : {false, true}) {
        const Term& L = swapped ? B : A;
        const Term& R = swapped ? A : B;
        const std::vector<int>& ll = swapped ? lb : la;
        const std::vector<int>& rl = swapped ? la : lb;
        std::vector<int> free_l, free_r;
        for (int l : ll)
            if (!contains(rl, l)) free_l.push_back(l);
        for (int l : rl)
            if (!contains(ll, l)) free_r.push_back(l);
        std::vector<std::vector<int>> fl_orders = {free_l}, fr_orders = {free_r};
        if (output) {
            push_distinct(fl_orders, in_order(*output, free_l));
            push_distinct(fr_orders, in_order(*output, free_r));
        }
        std::vector<std::pair<Lead, size_t>> leads = {{Lead::none, 0}};
        for (size_t k = 1; k < free_l.size(); ++k) {
            leads.push_back({Lead::left_before, k});
            leads.push_back({Lead::left_after, k});
        }
        for (size_t k = 1; k < free_r.size(); ++k) {
            leads.push_back({Lead::right_before, k});
            leads.push_back({Lead::right_after, k});
        }
        std::vector<std::pair<size_t, size_t>> units;
        for (size_t ul : {size_t(0), leading_units(L)})
            for (size_t ur : {size_t(0), leading_units(R)}) push_distinct(units, std::pair{ul, ur});

        MatMulPlan p;
        for (const auto& bo : batch_orders)
            for (const auto& ko : k_orders)
                for (const auto& fl : fl_orders)
                    for (const auto& fr : fr_orders)
                        for (auto [lead, count] : leads)
                            for (auto [ul, ur] : units) {
                                p = {&bo, &ko, &fl, &fr, lead, count, ul, ur};
                                auto [lt, rt] = matmul_targets(p);
                                Cost c;
                                b.arrange(L, lt, &c);
                                b.arrange(R, rt, &c);
                                if (output)
                                    b.arrange(Term{kNoId, Builder::matmul_axes(lt, rt), false}, singles(*output), &c);
                                if (!best.valid || c.key() < best.cost.key()) best = {c, lt, rt, swapped, true};
                            }
    }
    if (best.cost.invalid) throw CannotLower{};
    const Term& L = best.swapped ? B : A;
    const Term& R = best.swapped ? A : B;
    Term l = b.arrange(L, best.first);
    Term r = b.arrange(R, best.second);
    return b.matmul(l, r);
}

// A pair without contracted labels: an elementwise product with numpy broadcasting, each side
// transposed to a common label order and given size-1 axes for the other side's labels.
Term contract_mul(Builder& b, const Term& A, const Term& B, const std::vector<int>* output) {
    std::vector<int> la = flat_labels(A.axes), lb = flat_labels(B.axes);
    std::vector<std::vector<int>> orders;
    std::vector<int> ab = la, ba = lb;
    for (int l : lb)
        if (!contains(la, l)) ab.push_back(l);
    for (int l : la)
        if (!contains(lb, l)) ba.push_back(l);
    push_distinct(orders, ab);
    push_distinct(orders, ba);
    if (output) push_distinct(orders, in_order(*output, ab));
    // The layout of one side for result order `r`: from its first label on, its labels and
    // size-1 axes for the others (numpy broadcasting fills in the leading ones).
    auto align = [](const std::vector<int>& r, const std::vector<int>& labels) {
        Axes t;
        for (int l : r) {
            if (contains(labels, l)) t.push_back({l});
            else if (!t.empty()) t.push_back({});
        }
        return t;
    };
    Layout best;
    for (const auto& r : orders) {
        Axes at = align(r, la), bt = align(r, lb);
        Cost c;
        b.arrange(A, at, &c);
        b.arrange(B, bt, &c);
        if (output) b.arrange(Term{kNoId, Builder::broadcast_axes(at, bt), false}, singles(*output), &c);
        if (!best.valid || c.key() < best.cost.key()) best = {c, at, bt, false, true};
    }
    if (best.cost.invalid) throw CannotLower{};
    Term a = b.arrange(A, best.first);
    Term bb = b.arrange(B, best.second);
    return b.mul(a, bb);
}

Term contract(Builder& b, const Term& A, const Term& B, const std::vector<int>& keep, const std::vector<int>* output) {
    std::vector<int> la = flat_labels(A.axes), lb = flat_labels(B.axes);
    std::vector<int> batch, contracted;
    for (int l : la) {
        if (!contains(lb, l)) continue;
        (contains(keep, l) ? batch : contracted).push_back(l);
    }
    if (contracted.empty()) return contract_mul(b, A, B, output);
    return contract_matmul(b, A, B, batch, contracted, output);
}

// numpy's greedy einsum_path: prefer pairs that share a label, then the pair whose result
// grows the total size least, then the one with the fewest multiplications.
std::pair<size_t, size_t> choose_pair(const Builder& b, const std::vector<Term>& terms, const std::vector<int>& output) {
    auto size_of = [&](const std::vector<int>& labels) {
        Axes axes = singles(labels);
        return b.numel_estimate(axes);
    };
    std::pair<size_t, size_t> best{0, 1};
    std::tuple<int, double, double> best_key{2, 0, 0};
    for (size_t i = 0; i < terms.size(); ++i) {
        for (size_t j = i + 1; j < terms.size(); ++j) {
            std::vector<int> li = flat_labels(terms[i].axes), lj = flat_labels(terms[j].axes);
            std::vector<int> keep = output;
            for (size_t x = 0; x < terms.size(); ++x)
                if (x != i && x != j)
                    for (int l : flat_labels(terms[x].axes)) push_distinct(keep, l);
            std::vector<int> all = li, result;
            bool share = false;
            for (int l : lj) {
                share = share || contains(li, l);
                push_distinct(all, l);
            }
            for (int l : all)
                if (contains(keep, l)) result.push_back(l);
            std::tuple<int, double, double> key{share ? 0 : 1, size_of(result) - size_of(li) - size_of(lj),
                                                size_of(all)};
            if (key < best_key) {
                best_key = key;
                best = {i, j};
            }
        }
    }
    return best;
}

// Makes the graph read the Einsum's output from `result`.
void connect_output(Graph& g, const Builder& b, ValueId out, const Term& result, const Node& einsum) {
    const std::vector<NodeId>& made = b.new_nodes();
    for (NodeId n : made) {
        Node& node = g.nodes[size_t(n)];
        if (node.outputs[0] != result.value) continue;
        node.outputs[0] = out;  // the last node writes the Einsum's own output value
        g.values[size_t(out)].producer = n;
        return;
    }
    const std::vector<ValueId>& consts = b.new_constants();
    if (std::find(consts.begin(), consts.end(), result.value) != consts.end()) {
        g.values[size_t(out)].constant = g.values[size_t(result.value)].constant;
        g.values[size_t(out)].producer = kNoId;
        return;
    }
    // The output is an operand as it is (e.g. "ij->ij"); keep the output's name if the graph
    // exposes it.
    if (g.is_graph_output(out)) {
        Node id;
        id.name = einsum.name;
        id.op = OpKind::Identity;
        id.opset = einsum.opset;
        id.inputs = {result.value};
        id.outputs = {out};
        g.add_node(std::move(id));
        return;
    }
    g.replace_all_uses(out, result.value);
}

// Emits the lowered Einsum and points its output at the result.
void lower(Graph& g, const Node& einsum, const Analysis& analysis, std::unordered_set<std::string>& names) {
    Builder b(g, einsum, analysis.sizes, names);
    std::vector<Term> terms;
    for (size_t k = 0; k < einsum.inputs.size(); ++k) terms.push_back(prepare_operand(b, g, einsum, analysis, k));
    const std::vector<int>& output = analysis.spec.output;
    while (terms.size() > 1) {
        auto [i, j] = choose_pair(b, terms, output);
        std::vector<int> keep = output;
        for (size_t x = 0; x < terms.size(); ++x)
            if (x != i && x != j)
                for (int l : flat_labels(terms[x].axes)) push_distinct(keep, l);
        Term r = contract(b, terms[i], terms[j], keep, terms.size() == 2 ? &output : nullptr);
        terms.erase(terms.begin() + std::ptrdiff_t(j));
        terms.erase(terms.begin() + std::ptrdiff_t(i));
        terms.push_back(std::move(r));
    }
    Term result = b.arrange(terms[0], singles(output));

    ValueId out = einsum.outputs[0];
    connect_output(g, b, out, result, einsum);
    // What the labels know of the output may be more than inference knew (sizes, dim names).
    Value& ov = g.values[size_t(out)];
    PartialShape known = b.partial_shape(singles(output));
    if (ov.shape.rank_known && ov.shape.rank() == known.rank()) {
        for (size_t i = 0; i < known.rank(); ++i)
            if (known.dims[i] == kDynamic) known.dims[i] = ov.shape.dims[i];
        if (known.dim_names.empty()) known.dim_names = ov.shape.dim_names;
    }
    ov.shape = known;
}

size_t decompose_one(Graph& g, NodeId id, EinsumMode mode, std::unordered_set<std::string>& names) {
    const Node einsum = g.nodes[size_t(id)];  // a copy: adding nodes moves g.nodes
    if (einsum.inputs.empty() || einsum.outputs.size() != 1 || einsum.outputs[0] == kNoId) return 0;
    bool any_constant = false;
    DType dtype = g.values[size_t(einsum.inputs[0])].dtype;
    for (ValueId v : einsum.inputs) {
        if (v == kNoId) return 0;
        const Value& val = g.values[size_t(v)];
        if (!val.shape.rank_known || val.dtype != dtype) return 0;
        any_constant = any_constant || val.is_constant();
    }
    if (!matmul_supports(dtype) || (mode == EinsumMode::constant && !any_constant)) return 0;
    std::optional<Analysis> a = analyze(g, einsum);
    if (!a) return 0;

    // The Builder only appends values and nodes, so dropping what it appended undoes it.
    size_t values_before = g.values.size(), nodes_before = g.nodes.size();
    try {
        lower(g, einsum, *a, names);
    } catch (const CannotLower&) {
        g.values.erase(g.values.begin() + std::ptrdiff_t(values_before), g.values.end());
        g.nodes.erase(g.nodes.begin() + std::ptrdiff_t(nodes_before), g.nodes.end());
        return 0;
    }
    g.nodes[size_t(id)].dead = true;
    return 1;
}

}  // namespace

size_t decompose_einsum(Model& model, EinsumMode mode) {
    if (mode == EinsumMode::none) return 0;
    Graph& g = model.graph;
    std::unordered_set<std::string> names;
    for (const Value& v : g.values) names.insert(v.name);
    size_t lowered = 0;
    size_t count = g.nodes.size();
    for (size_t i = 0; i < count; ++i) {
        if (g.nodes[i].dead || g.nodes[i].op != OpKind::Einsum) continue;
        lowered += decompose_one(g, NodeId(i), mode, names);
    }
    if (lowered) {
        g.topological_sort();
        g.compact();
    }
    return lowered;
}

}  // namespace frugal::transform
