#include "transform/passes/einsum_builder.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

#include "ir/error.h"

namespace frugal::transform::einsum_detail {

namespace {

std::vector<int64_t> identity_perm(size_t n) {
    std::vector<int64_t> p(n);
    for (size_t i = 0; i < n; ++i) p[i] = int64_t(i);
    return p;
}

}  // namespace

Builder::Builder(Graph& g, const Node& einsum, std::vector<LabelSize> sizes,
                 std::unordered_set<std::string>& used_names)
    : g_(g), opset_(einsum.opset), sizes_(std::move(sizes)), used_names_(used_names) {
    prefix_ = einsum.name;
    if (prefix_.empty() && !einsum.outputs.empty()) prefix_ = g.values[size_t(einsum.outputs[0])].name;
    if (prefix_.empty()) prefix_ = "einsum";
    dtype_ = g.values[size_t(einsum.inputs[0])].dtype;
}

Dim Builder::dim_of(const Group& group) const {
    Dim d;
    for (int l : group) {
        const LabelSize& s = sizes_[size_t(l)];
        if (s.value == kDynamic) d.dynamic.push_back(l);
        else d.fixed *= s.value;
    }
    std::sort(d.dynamic.begin(), d.dynamic.end());
    return d;
}

std::vector<Dim> Builder::dims_of(const Axes& axes) const {
    std::vector<Dim> dims;
    for (const Group& g : axes) dims.push_back(dim_of(g));
    return dims;
}

double Builder::numel_estimate(const Axes& axes) const {
    double n = 1;
    for (const Dim& d : dims_of(axes)) n *= double(d.fixed) * std::pow(kDynamicEstimate, double(d.dynamic.size()));
    return n;
}

PartialShape Builder::partial_shape(const std::vector<Dim>& dims) const {
    PartialShape s = PartialShape::of_rank(dims.size());
    std::vector<std::string> names(dims.size());
    bool named = false;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (dims[i].is_static()) s.dims[i] = dims[i].fixed;
        else if (dims[i].fixed == 1 && dims[i].dynamic.size() == 1)
            names[i] = sizes_[size_t(dims[i].dynamic[0])].name;
        named = named || !names[i].empty();
    }
    if (named) s.dim_names = std::move(names);
    return s;
}

PartialShape Builder::partial_shape(const Axes& axes) const { return partial_shape(dims_of(axes)); }

ValueId Builder::new_value(const std::string& what, DType t, PartialShape shape) {
    std::string base = prefix_ + "/" + what;
    std::string name = base;
    for (int i = 1; used_names_.count(name); ++i) name = base + "_" + std::to_string(i);
    used_names_.insert(name);
    return g_.add_value(name, t, std::move(shape));
}

ValueId Builder::constant_i64(const std::string& what, const std::vector<int64_t>& v) {
    ValueId id = new_value(what, DType::i64, Shape{int64_t(v.size())});
    g_.values[size_t(id)].constant = Tensor::from_vector<int64_t>({int64_t(v.size())}, v);
    new_constants_.push_back(id);
    return id;
}

ValueId Builder::add_node(OpKind op, const std::string& what, std::vector<ValueId> inputs, Attributes attrs,
                          DType out_type, PartialShape out_shape) {
    ValueId out = new_value(what, out_type, std::move(out_shape));
    Node n;
    n.name = g_.values[size_t(out)].name;
    n.op = op;
    n.opset = opset_;
    n.inputs = std::move(inputs);
    n.outputs = {out};
    n.attrs = std::move(attrs);
    new_nodes_.push_back(g_.add_node(std::move(n)));
    return out;
}

Term Builder::transpose(const Term& t, const std::vector<int64_t>& perm, Cost* dry) {
    if (perm == identity_perm(t.axes.size())) return t;
    Term r;
    r.constant = t.constant;
    for (int64_t p : perm) r.axes.push_back(t.axes[size_t(p)]);
    if (dry) {
        double n = numel_estimate(t.axes);
        if (t.constant) {
            dry->constant_moved += n;
            dry->constant_nodes++;
        } else {
            dry->runtime_moved += n;
            dry->runtime_nodes++;
        }
        return r;
    }
    Attributes a;
    a.set("perm", perm);
    r.value = add_node(OpKind::Transpose, "transpose", {t.value}, std::move(a), dtype_, partial_shape(r.axes));
    return r;
}

Term Builder::reshape(const Term& t, const Axes& target, Cost* dry) {
    Term r{t.value, target, t.constant};
    std::vector<Dim> in = dims_of(t.axes), out = dims_of(target);
    if (in == out) return r;  // the same shape: relabel only
    if (dry) {
        (t.constant ? dry->constant_nodes : dry->runtime_nodes)++;
        if (!plan_shape(in, out)) dry->invalid = true;
        r.value = kNoId;
        return r;
    }
    r.value = emit_reshape(t.value, in, out);
    return r;
}

ValueId Builder::emit_reshape(ValueId in, const std::vector<Dim>& in_dims, const std::vector<Dim>& out_dims) {
    ValueId shape = shape_input(in_dims, out_dims);
    return add_node(OpKind::Reshape, "reshape", {in, shape}, {}, dtype_, partial_shape(out_dims));
}

ValueId Builder::runtime_dim(int label) {
    auto it = runtime_dim_.find(label);
    if (it != runtime_dim_.end()) return it->second;
    const LabelSize& s = sizes_[size_t(label)];
    if (s.may_broadcast || s.source == kNoId) throw CannotLower{};  // plan_shape prevents it
    auto sh = shape_of_source_.find(s.source);
    if (sh == shape_of_source_.end()) {
        size_t rank = g_.values[size_t(s.source)].shape.rank();
        ValueId v = add_node(OpKind::Shape, "shape", {s.source}, {}, DType::i64, Shape{int64_t(rank)});
        sh = shape_of_source_.emplace(s.source, v).first;
    }
    Attributes a;
    a.set("axis", int64_t(0));
    ValueId idx = constant_i64("axis", {s.axis});
    ValueId d = add_node(OpKind::Gather, "dim", {sh->second, idx}, std::move(a), DType::i64, Shape{1});
    runtime_dim_[label] = d;
    return d;
}

std::optional<std::vector<int64_t>> Builder::plan_shape(const std::vector<Dim>& in_dims,
                                                        const std::vector<Dim>& out_dims) const {
    std::vector<int64_t> plan(out_dims.size(), kComputed);
    auto may_broadcast = [&](const Dim& d) {
        for (int l : d.dynamic)
            if (sizes_[size_t(l)].may_broadcast) return true;
        return false;
    };
    for (size_t i = 0; i < out_dims.size(); ++i) {
        const Dim& d = out_dims[i];
        if (d.is_static()) plan[i] = d.fixed;
        else if (i < in_dims.size() && in_dims[i] == d) plan[i] = 0;
        else if (may_broadcast(d) && (d.fixed != 1 || d.dynamic.size() != 1)) return std::nullopt;
    }
    // One dim left may be -1; a dim that may broadcast must be, as it cannot be read.
    std::vector<size_t> pending;
    for (size_t i = 0; i < out_dims.size(); ++i)
        if (plan[i] == kComputed) pending.push_back(i);
    if (pending.empty()) return plan;
    size_t inferred = pending[0];
    int broadcasting = 0;
    for (size_t i : pending) {
        if (!may_broadcast(out_dims[i])) continue;
        inferred = i;
        ++broadcasting;
    }
    if (broadcasting > 1) return std::nullopt;
    plan[inferred] = -1;
    return plan;
}

ValueId Builder::runtime_product(const Dim& d) {
    ValueId v = runtime_dim(d.dynamic[0]);
    for (size_t k = 1; k < d.dynamic.size(); ++k)
        v = add_node(OpKind::Mul, "dim_product", {v, runtime_dim(d.dynamic[k])}, {}, DType::i64, Shape{1});
    if (d.fixed != 1)
        v = add_node(OpKind::Mul, "dim_product", {v, constant_i64("factor", {d.fixed})}, {}, DType::i64, Shape{1});
    return v;
}

ValueId Builder::shape_input(const std::vector<Dim>& in_dims, const std::vector<Dim>& out_dims) {
    std::optional<std::vector<int64_t>> plan = plan_shape(in_dims, out_dims);
    if (!plan) throw CannotLower{};
    if (std::find(plan->begin(), plan->end(), kComputed) == plan->end()) return constant_i64("shape", *plan);

    // Concat(pieces): runs of literal dims are one constant each; the others are products of
    // Gathers from the operands' Shapes.
    std::vector<ValueId> pieces;
    std::vector<int64_t> run;
    auto flush = [&] {
        if (!run.empty()) pieces.push_back(constant_i64("dims", run));
        run.clear();
    };
    for (size_t i = 0; i < out_dims.size(); ++i) {
        if ((*plan)[i] != kComputed) {
            run.push_back((*plan)[i]);
            continue;
        }
        flush();
        pieces.push_back(runtime_product(out_dims[i]));
    }
    flush();
    Attributes a;
    a.set("axis", int64_t(0));
    return add_node(OpKind::Concat, "shape", pieces, std::move(a), DType::i64, Shape{int64_t(out_dims.size())});
}

namespace {

// Labels in axis order, leaving out those of size 1: moving those never moves data.
std::vector<int> weighted_labels(const Builder& b, const Axes& axes) {
    std::vector<int> r;
    for (const Group& g : axes)
        for (int l : g)
            if (b.label_size(l) != 1) r.push_back(l);
    return r;
}

// A permutation of t's axes (each moved whole) after which its labels read in the target's
// order, or nothing if some axis would have to be split. Axes of size one go where the target
// has one, else last.
std::optional<std::vector<int64_t>> whole_axes_perm(const Builder& b, const Axes& cur, const Axes& target) {
    constexpr int kUnit = -1;
    std::vector<int> seq;
    for (const Group& g : target) {
        std::vector<int> w = weighted_labels(b, {g});
        if (w.empty()) seq.push_back(kUnit);
        seq.insert(seq.end(), w.begin(), w.end());
    }
    std::vector<std::vector<int>> cur_w;
    for (const Group& g : cur) cur_w.push_back(weighted_labels(b, {g}));
    std::vector<bool> used(cur.size(), false);
    std::vector<int64_t> perm;
    for (size_t i = 0; i < seq.size();) {
        if (seq[i] == kUnit) {
            for (size_t a = 0; a < cur.size(); ++a) {
                if (!used[a] && cur_w[a].empty()) {
                    used[a] = true;
                    perm.push_back(int64_t(a));
                    break;
                }
            }
            ++i;
            continue;
        }
        size_t a = 0;
        while (a < cur.size() && (used[a] || cur_w[a].empty() || cur_w[a][0] != seq[i])) ++a;
        if (a == cur.size()) return std::nullopt;
        const std::vector<int>& w = cur_w[a];
        if (i + w.size() > seq.size() || !std::equal(w.begin(), w.end(), seq.begin() + std::ptrdiff_t(i)))
            return std::nullopt;
        used[a] = true;
        perm.push_back(int64_t(a));
        i += w.size();
    }
    for (size_t a = 0; a < cur.size(); ++a)
        if (!used[a]) perm.push_back(int64_t(a));
    return perm;
}

}  // namespace

Term Builder::arrange(const Term& t, const Axes& target, Cost* dry) {
    std::vector<int> cur_w = weighted_labels(*this, t.axes), tgt_w = weighted_labels(*this, target);
    if (cur_w == tgt_w) return reshape(t, target, dry);
    if (auto perm = whole_axes_perm(*this, t.axes, target)) return reshape(transpose(t, *perm, dry), target, dry);
    // Some merged axis must come apart: split to one axis per label, transpose, merge again.
    Axes split;
    for (int l : cur_w) split.push_back({l});
    Term s = reshape(t, split, dry);
    std::vector<int64_t> perm;
    for (int l : tgt_w) perm.push_back(int64_t(std::find(cur_w.begin(), cur_w.end(), l) - cur_w.begin()));
    return reshape(transpose(s, perm, dry), target, dry);
}

Term Builder::add_constant(const std::string& what, Tensor value, Axes axes) {
    ValueId id = new_value(what, value.dtype, PartialShape(value.shape));
    g_.values[size_t(id)].constant = std::move(value);
    new_constants_.push_back(id);
    return Term{id, std::move(axes), true};
}

Term Builder::reduce_sum(const Term& t, const std::vector<int64_t>& axes) {
    if (axes.empty()) return t;
    Term r;
    r.constant = t.constant;
    for (size_t a = 0; a < t.axes.size(); ++a)
        if (std::find(axes.begin(), axes.end(), int64_t(a)) == axes.end()) r.axes.push_back(t.axes[a]);
    Attributes attrs;
    attrs.set("keepdims", int64_t(0));
    std::vector<ValueId> inputs = {t.value};
    if (opset_ < 13) attrs.set("axes", axes);  // an attribute before opset 13, an input since
    else inputs.push_back(constant_i64("axes", axes));
    r.value = add_node(OpKind::ReduceSum, "reduce_sum", inputs, std::move(attrs), dtype_, partial_shape(r.axes));
    return r;
}

// numpy broadcasting of the leading (batch) axes: aligned from the right; an empty group
// (size 1) takes the other side's labels.
Axes Builder::broadcast_axes(const Axes& a, const Axes& b) {
    size_t n = std::max(a.size(), b.size());
    Axes r(n);
    for (size_t i = 0; i < n; ++i) {
        const Group* ga = i + a.size() >= n ? &a[i + a.size() - n] : nullptr;
        const Group* gb = i + b.size() >= n ? &b[i + b.size() - n] : nullptr;
        r[i] = ga && !ga->empty() ? *ga : gb ? *gb : Group{};
    }
    return r;
}

Axes Builder::matmul_axes(const Axes& l, const Axes& r) {
    // A 1-D operand is a vector: it has no batch axes and leaves no row (column) in the result.
    Axes lb = l.size() >= 2 ? Axes(l.begin(), l.end() - 2) : Axes{};
    Axes rb = r.size() >= 2 ? Axes(r.begin(), r.end() - 2) : Axes{};
    Axes out = broadcast_axes(lb, rb);
    if (l.size() >= 2) out.push_back(l[l.size() - 2]);
    if (r.size() >= 2) out.push_back(r.back());
    return out;
}

Term Builder::matmul(const Term& l, const Term& r) {
    Term out;
    out.constant = l.constant && r.constant;
    out.axes = matmul_axes(l.axes, r.axes);
    out.value = add_node(OpKind::MatMul, "matmul", {l.value, r.value}, {}, dtype_, partial_shape(out.axes));
    return out;
}

Term Builder::mul(const Term& a, const Term& b) {
    Term out;
    out.constant = a.constant && b.constant;
    out.axes = broadcast_axes(a.axes, b.axes);
    out.value = add_node(OpKind::Mul, "mul", {a.value, b.value}, {}, dtype_, partial_shape(out.axes));
    return out;
}

Term Builder::diagonal(const Term& t) {
    // A label of size 1 needs nothing: its later axes just lose the label. The axes of every
    // other repeated label are gathered next to its first one.
    auto repeats = [&](size_t i) {
        return !t.axes[i].empty() && label_size(t.axes[i][0]) != 1 &&
               std::count(t.axes.begin(), t.axes.end(), t.axes[i]) > 1;
    };
    Term u = t;
    std::vector<int64_t> order;
    std::vector<bool> taken(t.axes.size(), false);
    for (size_t i = 0; i < t.axes.size(); ++i) {
        if (taken[i]) continue;
        if (!t.axes[i].empty() && !repeats(i) && std::find(t.axes.begin(), t.axes.begin() + std::ptrdiff_t(i), t.axes[i]) != t.axes.begin() + std::ptrdiff_t(i))
            u.axes[i] = {};  // a later axis of a size-1 label
        for (size_t j = i; j < t.axes.size(); ++j) {
            if (j == i || (repeats(i) && t.axes[j] == t.axes[i])) {
                taken[j] = true;
                order.push_back(int64_t(j));
            }
        }
    }
    Term g = transpose(u, order);

    // A run of r axes of size n, flattened, holds its diagonal at multiples of
    // 1 + n + ... + n^(r-1): a strided Slice picks it, no mask or Gather needed. For a size
    // known only at run time the step is computed (Horner: s = s*n + 1) from the operand's Shape.
    Axes labeled;
    std::vector<Dim> in_dims = dims_of(g.axes), merged_dims;
    std::vector<int64_t> slice_axes, ends, steps;
    std::vector<int> step_labels;  // per sliced axis: the label if its step is computed, else -1
    std::vector<size_t> step_runs;
    for (size_t i = 0; i < g.axes.size();) {
        size_t j = i + 1;
        while (j < g.axes.size() && !g.axes[i].empty() && g.axes[j] == g.axes[i]) ++j;
        size_t r = j - i;
        if (r == 1) {
            labeled.push_back(g.axes[i]);
            merged_dims.push_back(in_dims[i]);
            i = j;
            continue;
        }
        int label = g.axes[i][0];
        int64_t n = label_size(label);
        Dim merged;
        int64_t step = 0;
        if (n == kDynamic) {
            merged.dynamic.assign(r, label);
            ends.push_back(INT64_MAX);
        } else {
            for (size_t k = 0; k < r; ++k) {
                step += merged.fixed;
                merged.fixed *= n;
            }
            ends.push_back(merged.fixed);
        }
        slice_axes.push_back(int64_t(labeled.size()));
        steps.push_back(step);
        step_labels.push_back(n == kDynamic ? label : -1);
        step_runs.push_back(r);
        labeled.push_back(g.axes[i]);
        merged_dims.push_back(merged);
        i = j;
    }
    if (slice_axes.empty()) return Term{g.value, labeled, g.constant};
    ValueId flat = emit_reshape(g.value, in_dims, merged_dims);
    ValueId step_input;
    if (std::count(step_labels.begin(), step_labels.end(), -1) == int64_t(step_labels.size())) {
        step_input = constant_i64("steps", steps);
    } else {
        std::vector<ValueId> pieces;
        for (size_t a = 0; a < steps.size(); ++a) {
            if (step_labels[a] < 0) {
                pieces.push_back(constant_i64("step", {steps[a]}));
                continue;
            }
            ValueId n = runtime_dim(step_labels[a]);
            ValueId one = constant_i64("one", {1});
            ValueId s = add_node(OpKind::Add, "step", {n, one}, {}, DType::i64, Shape{1});
            for (size_t k = 2; k < step_runs[a]; ++k) {
                ValueId sn = add_node(OpKind::Mul, "step", {s, n}, {}, DType::i64, Shape{1});
                s = add_node(OpKind::Add, "step", {sn, one}, {}, DType::i64, Shape{1});
            }
            pieces.push_back(s);
        }
        if (pieces.size() == 1) {
            step_input = pieces[0];
        } else {
            Attributes a;
            a.set("axis", int64_t(0));
            step_input = add_node(OpKind::Concat, "steps", pieces, std::move(a), DType::i64, Shape{int64_t(pieces.size())});
        }
    }
    std::vector<ValueId> inputs = {flat, constant_i64("starts", std::vector<int64_t>(slice_axes.size(), 0)),
                                   constant_i64("ends", ends), constant_i64("axes", slice_axes), step_input};
    Term out{kNoId, labeled, g.constant};
    out.value = add_node(OpKind::Slice, "diagonal", inputs, {}, dtype_, partial_shape(labeled));
    return out;
}

}  // namespace frugal::transform::einsum_detail
