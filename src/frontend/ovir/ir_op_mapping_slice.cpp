// OpenVINO slicing and splitting -> frugal nodes: StridedSlice (decomposed into Slice, Squeeze
// and Unsqueeze), Slice-8, Split, VariadicSplit.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <numeric>

#include "frontend/ovir/ir_format.h"
#include "frontend/ovir/ir_import.h"

namespace frugal::ovir {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// The length of slice [b, e) with step st over a dim of size n, with numpy's clamping (the rule
// ONNX Slice and OpenVINO StridedSlice share).
int64_t slice_length(int64_t n, int64_t b, int64_t e, int64_t st) {
    auto clamp = [](int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; };
    if (b < 0) b = b == kMin ? -1 : b + n;  // kMin never reaches here as a begin; kept total
    if (e < 0) e = e <= kMin + n ? -1 : e + n;
    if (st > 0) {
        b = clamp(b, 0, n);
        e = clamp(e, 0, n);
        return e > b ? (e - b + st - 1) / st : 0;
    }
    b = clamp(b, -1, n - 1);
    e = clamp(e, -1, n - 1);
    return b > e ? (b - e + (-st) - 1) / (-st) : 0;
}

std::vector<int64_t> mask_of(ImportContext& c, const char* name, size_t n) {
    std::vector<int64_t> m = c.attr_ints(name);
    m.resize(n, 0);  // shorter masks are padded with zeros, longer ones cut
    return m;
}

// A start or end of one sliced axis: a known number, or element `entry` of input `input`
// (begin or end) at run time; for a shrunk axis's end, that element + 1 (-1 meaning "to the end").
struct Bound {
    bool known = true;
    int64_t value = 0;
    size_t input = 0;
    size_t entry = 0;
    bool shrink_end = false;
};

// The starts or ends of the Slice: one constant when every bound is known, else the runtime
// elements spliced between constant runs.
ValueId bounds_value(ImportContext& c, const std::vector<Bound>& bounds, const std::string& name, std::map<size_t, ValueId>& as_i64) {
    std::vector<int64_t> run;
    bool all_known = true;
    for (const Bound& b : bounds) all_known &= b.known;
    if (all_known) {
        for (const Bound& b : bounds) run.push_back(b.value);
        return c.const_i64(name, run);
    }
    std::vector<ValueId> pieces;
    auto flush = [&] {
        if (!run.empty()) pieces.push_back(c.const_i64(name + "_known", run));
        run.clear();
    };
    PartialShape one(Shape{1});
    for (const Bound& b : bounds) {
        if (b.known) {
            run.push_back(b.value);
            continue;
        }
        flush();
        if (!as_i64.count(b.input)) as_i64[b.input] = c.as_i64(b.input, true);
        int64_t e = int64_t(b.entry);
        std::vector<ValueId> ins = {as_i64[b.input], c.const_i64(name + "_at", {e}), c.const_i64(name + "_after", {e + 1})};
        ValueId v = c.add_temp(OpKind::Slice, ins, name + "_" + std::to_string(e), DType::i64, one);
        if (b.shrink_end) {
            ValueId last = c.add_temp(OpKind::Equal, {v, c.const_i64(name + "_minus_one", {-1})}, name + "_is_last", DType::boolean, one);
            ValueId next = c.add_temp(OpKind::Add, {v, c.const_i64(name + "_one", {1})}, name + "_next", DType::i64, one);
            v = c.add_temp(OpKind::Where, {last, c.const_i64(name + "_to_end", {kMax}), next}, name + "_end", DType::i64, one);
        }
        pieces.push_back(v);
    }
    flush();
    if (pieces.size() == 1) return pieces[0];
    Attributes a;
    a.set("axis", int64_t(0));
    return c.add_temp(OpKind::Concat, pieces, name, DType::i64, PartialShape(Shape{int64_t(bounds.size())}), a);
}

}  // namespace

// StridedSlice (OpenVINO's make_slice_plan): each entry i of begin/end/stride is, in this order
// of precedence, a new axis, a shrunk axis (one element, then dropped), the ellipsis (the axes
// no other entry claims), or an ordinary begin:end:stride slice; axes after the last entry are
// kept whole. That is one Slice over the input axes, a Squeeze of the shrunk ones and an
// Unsqueeze of the new ones, each only when needed. The masks and strides must be constant;
// begin and end may be computed at run time (x[:seq_len]).
std::vector<ValueId> translate_strided_slice(ImportContext& c) {
    std::optional<std::vector<int64_t>> begin, end, stride;
    if (c.in_const(1)) begin = c.const_ints(1, "begin");
    if (c.in_const(2)) end = c.const_ints(2, "end");
    if (c.input_count() > 3) stride = c.const_ints(3, "stride");
    size_t m = begin ? begin->size() : end ? end->size() : stride ? stride->size() : 0;
    if (!begin && !end && !stride) {
        PartialShape bs = c.in_shape(1);
        if (!bs.rank_known || bs.rank() != 1 || bs.dims[0] < 0) c.fail("the length of begin is unknown");
        m = size_t(bs.dims[0]);
    }
    if (!stride) stride = std::vector<int64_t>(m, 1);
    if ((begin && begin->size() != m) || (end && end->size() != m) || stride->size() != m)
        c.fail("begin, end and stride must have the same length");
    std::vector<int64_t> begin_mask = mask_of(c, "begin_mask", m), end_mask = mask_of(c, "end_mask", m);
    std::vector<int64_t> new_axis = mask_of(c, "new_axis_mask", m), shrink = mask_of(c, "shrink_axis_mask", m);
    std::vector<int64_t> ellipsis = mask_of(c, "ellipsis_mask", m);
    PartialShape in = c.in_shape(0);
    int64_t rank = c.in_rank(0);

    int64_t real_axes = 0, ellipses = 0;
    for (size_t i = 0; i < m; ++i) {
        if (new_axis[i]) continue;
        if (!shrink[i] && ellipsis[i]) ++ellipses;
        else ++real_axes;
    }
    if (ellipses > 1) c.fail("ellipsis_mask has more than one bit set");
    if (real_axes > rank)
        c.fail("slices " + std::to_string(real_axes) + " axes of an input of rank " + std::to_string(rank));
    int64_t ellipsis_size = rank - real_axes;

    auto known = [](int64_t v) { return Bound{true, v, 0, 0, false}; };
    auto runtime = [](size_t input, size_t entry, bool shrink_end) { return Bound{false, 0, input, entry, shrink_end}; };
    std::vector<Bound> starts, ends;
    std::vector<int64_t> axes, steps, squeeze_axes, unsqueeze_axes;
    PartialShape sliced = in;  // the shape after Slice
    sliced.dim_names.clear();
    int64_t in_axis = 0, out_axis = 0;
    for (size_t i = 0; i < m; ++i) {
        if (new_axis[i]) {
            unsqueeze_axes.push_back(out_axis++);
            continue;
        }
        if (shrink[i]) {
            int64_t n = in.dims[size_t(in_axis)];
            if (begin) {
                int64_t b = (*begin)[i];
                if (n >= 0 && (b < -n || b >= n))
                    c.fail("shrink_axis index " + std::to_string(b) + " is out of range for a dim of " + std::to_string(n));
                starts.push_back(known(b));
                ends.push_back(known(b == -1 ? kMax : b + 1));
            } else {
                starts.push_back(runtime(1, i, false));
                ends.push_back(runtime(1, i, true));
            }
            axes.push_back(in_axis);
            steps.push_back(1);
            sliced.dims[size_t(in_axis)] = 1;
            squeeze_axes.push_back(in_axis++);
            continue;
        }
        if (ellipsis[i]) {
            in_axis += ellipsis_size;
            out_axis += ellipsis_size;
            continue;
        }
        int64_t n = in.dims[size_t(in_axis)];
        int64_t st = (*stride)[i];
        if (st == 0) c.fail("stride " + std::to_string(i) + " is zero");
        Bound b = begin_mask[i] ? known(st > 0 ? 0 : kMax) : begin ? known((*begin)[i]) : runtime(1, i, false);
        Bound e = end_mask[i] ? known(st > 0 ? kMax : kMin) : end ? known((*end)[i]) : runtime(2, i, false);
        bool whole = st == 1 && b.known && b.value == 0 && e.known && (e.value == kMax || (n >= 0 && e.value >= n));
        if (!whole) {
            starts.push_back(b);
            ends.push_back(e);
            axes.push_back(in_axis);
            steps.push_back(st);
            sliced.dims[size_t(in_axis)] = n >= 0 && b.known && e.known ? slice_length(n, b.value, e.value, st) : kDynamic;
        }
        ++in_axis;
        ++out_axis;
    }
    int64_t out_rank = rank - int64_t(squeeze_axes.size()) + int64_t(unsqueeze_axes.size());
    const PartialShape& port = c.layer.outputs[0].shape;
    if (port.rank_known && int64_t(port.rank()) != out_rank)
        c.fail("the masks give an output of rank " + std::to_string(out_rank) + " but the output port has rank " +
               std::to_string(port.rank()));

    DType t = c.in_dtype(0);
    int steps_left = int(!axes.empty()) + int(!squeeze_axes.empty()) + int(!unsqueeze_axes.empty());
    if (steps_left == 0) return {c.add_out(OpKind::Identity, {c.in(0)})};
    ValueId cur = c.in(0);
    if (!axes.empty()) {
        std::map<size_t, ValueId> as_i64;
        ValueId starts_v = bounds_value(c, starts, "starts", as_i64);
        ValueId ends_v = bounds_value(c, ends, "ends", as_i64);
        std::vector<ValueId> ins = {cur, starts_v, ends_v, c.const_i64("axes", axes), c.const_i64("steps", steps)};
        cur = --steps_left == 0 ? c.add_out(OpKind::Slice, ins) : c.add_temp(OpKind::Slice, ins, "sliced", t, sliced);
    }
    if (!squeeze_axes.empty()) {
        PartialShape squeezed = PartialShape::of_rank(0);
        for (int64_t d = 0; d < rank; ++d)
            if (std::find(squeeze_axes.begin(), squeeze_axes.end(), d) == squeeze_axes.end())
                squeezed.dims.push_back(sliced.dims[size_t(d)]);
        std::vector<ValueId> ins = {cur, c.const_i64("shrink_axes", squeeze_axes)};
        cur = --steps_left == 0 ? c.add_out(OpKind::Squeeze, ins) : c.add_temp(OpKind::Squeeze, ins, "shrunk", t, squeezed);
    }
    if (!unsqueeze_axes.empty()) cur = c.add_out(OpKind::Unsqueeze, {cur, c.const_i64("new_axes", unsqueeze_axes)});
    return {cur};
}

// Slice-8 (data, start, stop, step[, axes]) is ONNX Slice with the inputs in another order.
std::vector<ValueId> translate_slice(ImportContext& c) {
    ValueId axes = c.input_count() > 4 ? c.as_i64(4, true) : kNoId;
    return {c.add_out(OpKind::Slice, {c.in(0), c.as_i64(1, true), c.as_i64(2, true), axes, c.as_i64(3, true)})};
}

std::vector<ValueId> translate_split(ImportContext& c) {
    std::vector<int64_t> axis = c.const_ints(1, "axis");
    if (axis.size() != 1) c.fail("axis must hold one value");
    int64_t parts = c.attr_int("num_splits", 0);
    if (parts <= 0) c.fail("num_splits must be positive, got " + c.attr("num_splits", "nothing"));
    if (size_t(parts) != c.output_count())
        c.fail("num_splits=" + std::to_string(parts) + " but the layer has " + std::to_string(c.output_count()) + " output ports");
    Attributes a;
    a.set("axis", axis[0]);
    a.set("num_outputs", parts);
    std::vector<ValueId> outs;
    for (size_t i = 0; i < c.output_count(); ++i) outs.push_back(c.out(i));
    c.add(OpKind::Split, {c.in(0)}, outs, a);
    return outs;
}

// VariadicSplit's lengths may hold one -1 (the rest of the axis); ONNX Split wants every length,
// so the -1 becomes the static remainder, or is computed from the input's shape at run time.
// Lengths known only at run time: a -1 among them (at most one) is the rest of the axis, so
// with s = sum(lengths), which counts the -1, it is dim - (s + 1).
static std::vector<ValueId> variadic_split_at_run_time(ImportContext& c, int64_t axis) {
    PartialShape one(Shape{1});
    ValueId len = c.as_i64(2, true);
    ValueId shape = c.add_temp(OpKind::Shape, {c.in(0)}, "shape", DType::i64, PartialShape(Shape{c.in_rank(0)}));
    std::vector<ValueId> ins = {shape, c.const_i64("axis_start", {axis}), c.const_i64("axis_end", {axis + 1})};
    ValueId dim = c.add_temp(OpKind::Slice, ins, "axis_dim", DType::i64, one);
    Attributes keep;
    keep.set("keepdims", int64_t(1));
    ValueId sum = c.add_temp(OpKind::ReduceSum, {len, c.const_i64("sum_axes", {0})}, "sum", DType::i64, one, keep);
    ValueId sum1 = c.add_temp(OpKind::Add, {sum, c.const_i64("one", {1})}, "sum_plus_one", DType::i64, one);
    ValueId rest = c.add_temp(OpKind::Sub, {dim, sum1}, "rest", DType::i64, one);
    PartialShape n = c.in_shape(2).rank_known ? c.in_shape(2) : PartialShape::of_rank(1);
    ValueId fill = c.add_temp(OpKind::Equal, {len, c.const_i64("minus_one", {-1})}, "is_rest", DType::boolean, n);
    ValueId split = c.add_temp(OpKind::Where, {fill, rest, len}, "split", DType::i64, n);
    Attributes a;
    a.set("axis", axis);
    std::vector<ValueId> outs;
    for (size_t i = 0; i < c.output_count(); ++i) outs.push_back(c.out(i));
    c.add(OpKind::Split, {c.in(0), split}, outs, a);
    return outs;
}

std::vector<ValueId> translate_variadic_split(ImportContext& c) {
    std::vector<int64_t> axis_v = c.const_ints(1, "axis");
    if (axis_v.size() != 1) c.fail("axis must hold one value");
    int64_t axis = normalize_axis(axis_v[0], c.in_rank(0), "axis");
    if (!c.in_const(2)) return variadic_split_at_run_time(c, axis);
    std::vector<int64_t> lengths = c.const_ints(2, "split_lengths");
    if (lengths.size() != c.output_count())
        c.fail("split_lengths has " + std::to_string(lengths.size()) + " entries but the layer has " +
               std::to_string(c.output_count()) + " output ports");
    int64_t dim = c.in_shape(0).dims[size_t(axis)];
    int64_t known = 0;
    int fill = -1;
    for (size_t i = 0; i < lengths.size(); ++i) {
        if (lengths[i] == -1) {
            if (fill >= 0) c.fail("split_lengths has more than one -1");
            fill = int(i);
        } else if (lengths[i] < 0) {
            c.fail("split_lengths holds " + std::to_string(lengths[i]));
        } else {
            known += lengths[i];
        }
    }
    ValueId split;
    const Tensor* given = c.in_const(2);
    if (fill < 0 && given->dtype == DType::i64 && given->rank() == 1) {
        split = c.in(2);  // already what ONNX wants
    } else if (fill < 0 || dim >= 0) {
        if (fill >= 0) {
            if (known > dim) c.fail("split_lengths add up to more than the axis size " + std::to_string(dim));
            lengths[size_t(fill)] = dim - known;
        }
        split = c.const_i64("split", lengths);
    } else {
        // rest = shape[axis] - sum(known lengths), spliced between the constant lengths.
        ValueId shape = c.add_temp(OpKind::Shape, {c.in(0)}, "shape", DType::i64, PartialShape(Shape{c.in_rank(0)}));
        std::vector<ValueId> ins = {shape, c.const_i64("axis_start", {axis}), c.const_i64("axis_end", {axis + 1})};
        ValueId axis_dim = c.add_temp(OpKind::Slice, ins, "axis_dim", DType::i64, PartialShape(Shape{1}));
        ValueId rest = c.add_temp(OpKind::Sub, {axis_dim, c.const_i64("known", {known})}, "rest", DType::i64, PartialShape(Shape{1}));
        std::vector<ValueId> parts;
        std::vector<int64_t> before(lengths.begin(), lengths.begin() + fill), after(lengths.begin() + fill + 1, lengths.end());
        if (!before.empty()) parts.push_back(c.const_i64("lengths_before", before));
        parts.push_back(rest);
        if (!after.empty()) parts.push_back(c.const_i64("lengths_after", after));
        Attributes a;
        a.set("axis", int64_t(0));
        split = c.add_temp(OpKind::Concat, parts, "split", DType::i64, PartialShape(Shape{int64_t(lengths.size())}), a);
    }
    Attributes a;
    a.set("axis", axis);
    std::vector<ValueId> outs;
    for (size_t i = 0; i < c.output_count(); ++i) outs.push_back(c.out(i));
    c.add(OpKind::Split, {c.in(0), split}, outs, a);
    return outs;
}

}  // namespace frugal::ovir
