#include "frontend/ovir/ir_import.h"

#include <cerrno>
#include <cstdlib>

#include "frontend/ovir/ir_format.h"
#include "ir/error.h"

namespace frugal::ovir {

std::string IrLayer::context() const { return "layer " + std::to_string(id) + " '" + name + "' (" + type + ")"; }

std::string NameSet::unique(const std::string& base) {
    std::string b = base.empty() ? "value" : base;
    if (used.insert(b).second) return b;
    for (int i = 1;; ++i) {
        std::string n = b + "_" + std::to_string(i);
        if (used.insert(n).second) return n;
    }
}

ImportContext::ImportContext(Graph& g, const IrLayer& l, std::vector<ValueId> inputs, NameSet& names)
    : layer(l), graph(g), inputs_(std::move(inputs)), outs_(l.outputs.size(), kNoId), names_(names) {}

void ImportContext::fail(const std::string& message) const { frugal::fail(layer.context() + ": " + message); }

void ImportContext::unsupported(const std::string& message, const std::string& feature) const {
    throw UnsupportedError(layer.context() + ": " + message, feature);
}

ValueId ImportContext::in(size_t i) const {
    if (i >= inputs_.size()) fail("missing input " + std::to_string(i));
    return inputs_[i];
}

const Value& ImportContext::in_value(size_t i) const { return graph.values[size_t(in(i))]; }

DType ImportContext::in_dtype(size_t i) const { return in_value(i).dtype; }

PartialShape ImportContext::in_shape(size_t i) const {
    const Value& v = in_value(i);
    if (v.shape.rank_known) return v.shape;
    if (i < layer.inputs.size()) return layer.inputs[i].shape;
    return v.shape;
}

int64_t ImportContext::in_rank(size_t i) const {
    PartialShape s = in_shape(i);
    if (!s.rank_known) fail("the rank of input " + std::to_string(i) + " is unknown");
    return int64_t(s.rank());
}

const Tensor* ImportContext::in_const(size_t i) const {
    const Value& v = in_value(i);
    return v.constant ? &*v.constant : nullptr;
}

std::vector<int64_t> ImportContext::const_ints(size_t i, const char* what) const {
    const Tensor* t = in_const(i);
    if (!t) fail(std::string(what) + " (input " + std::to_string(i) + ") must be a constant");
    if (!dtype_is_integer(t->dtype)) fail(std::string(what) + " (input " + std::to_string(i) + ") must be integer, got " + dtype_name(t->dtype));
    return t->to_int_vector();
}

bool ImportContext::has_attr(const char* name) const { return !layer.data.attribute(name).empty(); }

std::string ImportContext::attr(const char* name, const std::string& fallback) const {
    pugi::xml_attribute a = layer.data.attribute(name);
    return a.empty() ? fallback : std::string(a.value());
}

std::string ImportContext::attr_required(const char* name) const {
    pugi::xml_attribute a = layer.data.attribute(name);
    if (a.empty()) fail(std::string("missing attribute '") + name + "' in <data>");
    return a.value();
}

int64_t ImportContext::attr_int(const char* name, int64_t fallback) const {
    if (!has_attr(name)) return fallback;
    std::vector<int64_t> v;
    try {
        v = parse_int_list(attr(name, ""));
    } catch (const Error&) {
        v.clear();
    }
    if (v.size() != 1) fail(std::string("attribute ") + name + "='" + attr(name, "") + "' is not an integer");
    return v[0];
}

bool ImportContext::attr_bool(const char* name, bool fallback) const {
    if (!has_attr(name)) return fallback;
    std::string s = lowercase(attr(name, ""));
    if (s == "true" || s == "1") return true;
    if (s == "false" || s == "0") return false;
    fail(std::string("attribute ") + name + "='" + s + "' is not a boolean");
}

float ImportContext::attr_float(const char* name, float fallback) const {
    if (!has_attr(name)) return fallback;
    std::string s = attr(name, "");
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(s.c_str(), &end);
    while (end && (*end == ' ' || *end == '\t')) ++end;
    if (s.empty() || !end || *end != '\0') fail(std::string("attribute ") + name + "='" + s + "' is not a number");
    return float(d);
}

std::vector<int64_t> ImportContext::attr_ints(const char* name) const {
    try {
        return parse_int_list(attr(name, ""));
    } catch (const Error& e) {
        fail(std::string("attribute ") + name + ": " + e.what());
    }
}

void ImportContext::check_auto_broadcast() const {
    std::string mode = lowercase(attr("auto_broadcast", "numpy"));
    if (mode == "numpy") return;
    if (mode == "none") {
        // Equal shapes are required; numpy broadcasting computes the same thing for them.
        PartialShape a = in_shape(0);
        for (size_t i = 1; i < input_count(); ++i) {
            PartialShape b = in_shape(i);
            if (!a.rank_known || !b.rank_known) continue;
            bool same = a.rank() == b.rank();
            for (size_t d = 0; same && d < a.rank(); ++d)
                if (a.dims[d] >= 0 && b.dims[d] >= 0 && a.dims[d] != b.dims[d]) same = false;
            if (!same) fail("auto_broadcast=\"none\" needs equal shapes, got " + a.to_string() + " and " + b.to_string());
        }
        return;
    }
    unsupported("auto_broadcast=\"" + mode + "\" is not supported (only numpy and none)", "auto_broadcast " + mode);
}

ValueId ImportContext::out(size_t i) {
    if (i >= outs_.size()) fail("has no output port " + std::to_string(i));
    if (outs_[i] != kNoId) return outs_[i];
    const IrPort& p = layer.outputs[i];
    std::string base = !p.names.empty() ? p.names[0]
                       : outs_.size() == 1 ? layer.name
                                           : layer.name + ":" + std::to_string(i);
    outs_[i] = graph.add_value(names_.unique(base), p.dtype, p.shape);
    return outs_[i];
}

ValueId ImportContext::temp(const std::string& suffix, DType t, PartialShape s) {
    return graph.add_value(names_.unique(layer.name + "/" + suffix), t, std::move(s));
}

ValueId ImportContext::const_tensor(const std::string& suffix, Tensor t) {
    return graph.add_constant(names_.unique(layer.name + "/" + suffix), std::move(t));
}

ValueId ImportContext::const_i64(const std::string& suffix, const std::vector<int64_t>& v) {
    return const_tensor(suffix, Tensor::from_vector<int64_t>({int64_t(v.size())}, v));
}

ValueId ImportContext::const_i64_scalar(const std::string& suffix, int64_t v) {
    return const_tensor(suffix, Tensor::scalar<int64_t>(v));
}

ValueId ImportContext::const_scalar(const std::string& suffix, DType t, double v) {
    if (t == DType::undefined) fail("cannot make a constant of an unknown element type");
    Tensor c = Tensor::empty(t, {});
    visit_dtype(t, [&]<class T>() { c.mutable_data<T>()[0] = from_double<T>(v); });
    return const_tensor(suffix, std::move(c));
}

ValueId ImportContext::as_i64(size_t input, bool rank1) {
    ValueId v = in(input);
    const Value& val = graph.values[size_t(v)];
    if (val.constant) {
        const Tensor& t = *val.constant;
        if (!dtype_is_integer(t.dtype)) fail("input " + std::to_string(input) + " must be integer, got " + dtype_name(t.dtype));
        bool reshape = rank1 && t.rank() == 0;
        if (t.dtype == DType::i64 && !reshape) return v;
        Shape s = reshape ? Shape{1} : t.shape;
        return const_tensor("i64_" + std::to_string(input), Tensor::from_vector<int64_t>(s, t.to_int_vector()));
    }
    PartialShape shape = in_shape(input);
    if (val.dtype != DType::i64) {
        Attributes a;
        a.set("to", int64_t(7));
        v = add_temp(OpKind::Cast, {v}, "to_i64_" + std::to_string(input), DType::i64, shape, a);
    }
    if (rank1 && (!shape.rank_known || shape.rank() == 0)) {
        ValueId minus_one = const_i64("flat_shape", {-1});
        v = add_temp(OpKind::Reshape, {v, minus_one}, "flat_" + std::to_string(input), DType::i64,
                     shape.rank_known ? PartialShape(Shape{1}) : PartialShape::of_rank(1));
    } else if (rank1 && shape.rank() > 1) {
        fail("input " + std::to_string(input) + " must be a scalar or a 1-D tensor, got " + shape.to_string());
    }
    return v;
}

void ImportContext::add(OpKind op, std::vector<ValueId> ins, std::vector<ValueId> outs, Attributes attrs) {
    // The node that writes the layer's outputs carries the layer's name; helpers get suffixes.
    bool writes_output = false;
    for (ValueId o : outs)
        for (ValueId mine : outs_) writes_output |= o != kNoId && o == mine;
    Node n;
    if (writes_output && !named_) {
        n.name = layer.name;
        named_ = true;
    } else {
        n.name = layer.name + "/" + std::string(op_name(op)) + "_" + std::to_string(nodes_added_);
    }
    n.op = op;
    n.opset = 21;
    n.inputs = std::move(ins);
    n.outputs = std::move(outs);
    n.attrs = std::move(attrs);
    graph.add_node(std::move(n));
    ++nodes_added_;
}

ValueId ImportContext::add_temp(OpKind op, std::vector<ValueId> ins, const std::string& suffix, DType t, PartialShape s,
                                Attributes attrs) {
    ValueId v = temp(suffix, t, std::move(s));
    add(op, std::move(ins), {v}, std::move(attrs));
    return v;
}

ValueId ImportContext::add_out(OpKind op, std::vector<ValueId> ins, Attributes attrs) {
    ValueId o = out(0);
    add(op, std::move(ins), {o}, std::move(attrs));
    return o;
}

}  // namespace frugal::ovir
