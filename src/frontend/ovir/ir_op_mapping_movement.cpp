// OpenVINO data movement ops -> frugal nodes: Reshape, Squeeze, Unsqueeze, Transpose, Concat,
// Gather, Broadcast, Tile. Shape-like inputs become int64 (ONNX wants them so).
#include <algorithm>

#include "frontend/ovir/ir_format.h"
#include "frontend/ovir/ir_import.h"

namespace frugal::ovir {

std::vector<ValueId> translate_reshape(ImportContext& c) {
    // special_zero=true: a 0 copies the input's dim (ONNX allowzero=0). special_zero=false: a 0 is
    // a zero-sized dim (allowzero=1); without zeros in a constant target both read the same, and
    // we keep the common form.
    bool special_zero = c.attr_bool("special_zero", false);
    bool allowzero = !special_zero;
    if (allowzero && c.in_const(1)) {
        std::vector<int64_t> target = c.const_ints(1, "shape");
        allowzero = std::find(target.begin(), target.end(), 0) != target.end();
    }
    Attributes a;
    a.set("allowzero", int64_t(allowzero));
    return {c.add_out(OpKind::Reshape, {c.in(0), c.as_i64(1, true)}, a)};
}

std::vector<ValueId> translate_squeeze(ImportContext& c) {
    if (c.input_count() == 1) return {c.add_out(OpKind::Squeeze, {c.in(0)})};
    if (c.in_const(1) && c.const_ints(1, "axes").empty()) return {c.add_out(OpKind::Squeeze, {c.in(0)})};
    if (c.attr_bool("allow_axis_skip", false)) {
        // Squeeze-15 skips listed axes whose size is not 1; we can only decide that statically.
        std::vector<int64_t> axes = c.const_ints(1, "axes");
        PartialShape s = c.in_shape(0);
        int64_t r = c.in_rank(0);
        std::vector<int64_t> kept;
        for (int64_t a : axes) {
            int64_t n = a < 0 ? a + r : a;
            if (n < 0 || n >= r) c.fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(r));
            if (s.dims[size_t(n)] == kDynamic)
                c.unsupported("allow_axis_skip=true with a dynamic dimension is not supported", "Squeeze allow_axis_skip");
            if (s.dims[size_t(n)] == 1) kept.push_back(n);
        }
        if (kept.empty()) return {c.add_out(OpKind::Identity, {c.in(0)})};
        return {c.add_out(OpKind::Squeeze, {c.in(0), c.const_i64("axes", kept)})};
    }
    return {c.add_out(OpKind::Squeeze, {c.in(0), c.as_i64(1, true)})};
}

std::vector<ValueId> translate_unsqueeze(ImportContext& c) {
    return {c.add_out(OpKind::Unsqueeze, {c.in(0), c.as_i64(1, true)})};
}

std::vector<ValueId> translate_transpose(ImportContext& c) {
    std::vector<int64_t> order = c.const_ints(1, "order");
    Attributes a;
    // An empty order reverses the axes, as ONNX does without `perm`.
    if (!order.empty()) a.set("perm", order);
    return {c.add_out(OpKind::Transpose, {c.in(0)}, a)};
}

std::vector<ValueId> translate_concat(ImportContext& c) {
    std::vector<ValueId> ins;
    for (size_t i = 0; i < c.input_count(); ++i) ins.push_back(c.in(i));
    Attributes a;
    a.set("axis", c.attr_int("axis", 0));
    if (!c.has_attr("axis")) c.fail("missing attribute 'axis' in <data>");
    return {c.add_out(OpKind::Concat, ins, a)};
}

std::vector<ValueId> translate_gather(ImportContext& c) {
    int64_t batch_dims = c.layer.opset >= 7 ? c.attr_int("batch_dims", 0) : 0;
    if (batch_dims < 0 && c.in_shape(1).rank_known) batch_dims += c.in_rank(1);
    if (batch_dims != 0)
        c.unsupported("batch_dims=" + c.attr("batch_dims", "") + " is not supported (only 0)", "Gather batch_dims");
    std::vector<int64_t> axis = c.const_ints(2, "axis");
    if (axis.size() != 1) c.fail("axis must hold one value, got " + std::to_string(axis.size()));
    Attributes a;
    a.set("axis", axis[0]);
    return {c.add_out(OpKind::Gather, {c.in(0), c.in(1)}, a)};
}

std::vector<ValueId> translate_broadcast(ImportContext& c) {
    std::string mode = lowercase(c.attr("mode", "numpy"));
    if (mode == "numpy" || (mode == "bidirectional" && c.layer.opset >= 3)) {
        // numpy mode's result is the target shape itself; Expand (bidirectional) gives the same
        // for every valid numpy broadcast.
        return {c.add_out(OpKind::Expand, {c.in(0), c.as_i64(1, true)})};
    }
    if (mode != "explicit") c.unsupported("broadcast mode '" + mode + "' is not supported", "Broadcast mode " + mode);
    // explicit: data dim i goes to output axis axes_mapping[i]. With an increasing mapping that is
    // Unsqueeze at the other axes, then Expand.
    if (c.input_count() != 3) c.fail("explicit mode needs the axes_mapping input");
    std::vector<int64_t> mapping = c.const_ints(2, "axes_mapping");
    PartialShape target = c.in_shape(1);
    int64_t out_rank = 0;
    if (c.in_const(1)) out_rank = c.in_const(1)->numel();
    else if (target.rank_known && target.rank() == 1 && target.dims[0] >= 0) out_rank = target.dims[0];
    else c.fail("explicit mode needs a target_shape of known length");
    for (size_t i = 0; i < mapping.size(); ++i) {
        if (mapping[i] < 0 || mapping[i] >= out_rank || (i > 0 && mapping[i] <= mapping[i - 1]))
            c.unsupported("explicit broadcast is supported only with an increasing axes_mapping within the output rank, got [" +
                              format_int_list(mapping) + "]",
                          "Broadcast explicit axes_mapping");
    }
    if (c.in_shape(0).rank_known && int64_t(mapping.size()) != c.in_rank(0))
        c.fail("axes_mapping has " + std::to_string(mapping.size()) + " entries for data of rank " + std::to_string(c.in_rank(0)));
    std::vector<int64_t> new_axes;
    for (int64_t d = 0; d < out_rank; ++d)
        if (std::find(mapping.begin(), mapping.end(), d) == mapping.end()) new_axes.push_back(d);
    ValueId data = c.in(0);
    if (!new_axes.empty()) {
        PartialShape s = PartialShape::of_rank(size_t(out_rank));
        PartialShape in = c.in_shape(0);
        for (size_t i = 0; i < mapping.size() && in.rank_known; ++i) s.dims[size_t(mapping[i])] = in.dims[i];
        for (int64_t d : new_axes) s.dims[size_t(d)] = 1;
        data = c.add_temp(OpKind::Unsqueeze, {data, c.const_i64("new_axes", new_axes)}, "aligned", c.in_dtype(0), s);
    }
    return {c.add_out(OpKind::Expand, {data, c.as_i64(1, true)})};
}

std::vector<ValueId> translate_tile(ImportContext& c) {
    // OpenVINO pads the shorter of repeats and the data shape with leading ones; ONNX wants one
    // repeat per axis.
    if (!c.in_const(1)) return {c.add_out(OpKind::Tile, {c.in(0), c.as_i64(1, true)})};
    std::vector<int64_t> repeats = c.const_ints(1, "repeats");
    int64_t r = c.in_rank(0);
    ValueId data = c.in(0);
    if (int64_t(repeats.size()) < r) repeats.insert(repeats.begin(), size_t(r) - repeats.size(), 1);
    if (int64_t(repeats.size()) > r) {
        size_t extra = repeats.size() - size_t(r);
        std::vector<int64_t> lead;
        for (size_t i = 0; i < extra; ++i) lead.push_back(int64_t(i));
        PartialShape s = c.in_shape(0);
        s.dim_names.clear();
        s.dims.insert(s.dims.begin(), extra, 1);
        data = c.add_temp(OpKind::Unsqueeze, {data, c.const_i64("lead_axes", lead)}, "padded", c.in_dtype(0), s);
    }
    return {c.add_out(OpKind::Tile, {data, c.const_i64("repeats", repeats)})};
}

}  // namespace frugal::ovir
