#include "ir/dump.h"

#include <cstdio>
#include <sstream>

namespace frugal {

static const char* storage_name(const Tensor& t) {
    if (!t.buffer) return "empty";
    switch (t.buffer->root()->kind()) {
        case Buffer::Kind::owned: return "owned";
        case Buffer::Kind::moved_string: return "moved";
        case Buffer::Kind::mapped: return "mapped";
        case Buffer::Kind::view: return "view";
    }
    return "?";
}

static std::string attr_to_string(const AttributeValue& v) {
    std::ostringstream o;
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, float>) o << x;
            else if constexpr (std::is_same_v<T, std::string>) o << '"' << x << '"';
            else if constexpr (std::is_same_v<T, Tensor>) o << "tensor " << dtype_name(x.dtype) << shape_to_string(x.shape);
            else {
                o << '[';
                for (size_t i = 0; i < x.size(); ++i) o << (i ? "," : "") << x[i];
                o << ']';
            }
        },
        v);
    return o.str();
}

static std::string type_string(const Value& v) { return std::string(dtype_name(v.dtype)) + v.shape.to_string(); }

std::string dump_model(const Model& m) {
    const Graph& g = m.graph;
    std::ostringstream o;
    o << "model " << (m.path.empty() ? "(in memory)" : m.path) << "  ir_version " << m.ir_version;
    for (const auto& [domain, version] : m.opsets) o << "  opset " << (domain.empty() ? "ai.onnx" : domain) << ":" << version;
    if (!m.producer_name.empty()) o << "  producer " << m.producer_name;
    o << "\ninputs:\n";
    for (ValueId v : g.inputs) o << "  %" << g.values[size_t(v)].name << ": " << type_string(g.values[size_t(v)]) << "\n";
    o << "outputs:\n";
    for (ValueId v : g.outputs) o << "  %" << g.values[size_t(v)].name << ": " << type_string(g.values[size_t(v)]) << "\n";
    size_t count = 0, bytes = 0;
    for (const Value& v : g.values)
        if (v.is_constant()) {
            count++;
            bytes += v.constant->nbytes();
        }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f MB", double(bytes) / 1e6);
    o << "constants: " << count << " (" << buf << ")\n";
    for (const Value& v : g.values)
        if (v.is_constant()) o << "  %" << v.name << ": " << type_string(v) << " " << storage_name(*v.constant) << "\n";
    o << "nodes: " << g.live_node_count() << "\n";
    for (const Node& n : g.nodes) {
        if (n.dead) continue;
        o << "  ";
        for (size_t i = 0; i < n.outputs.size(); ++i) {
            if (i) o << ", ";
            o << (n.outputs[i] == kNoId ? std::string("_") : "%" + g.values[size_t(n.outputs[i])].name);
        }
        o << " = " << op_name(n.op) << "(";
        for (size_t i = 0; i < n.inputs.size(); ++i) {
            if (i) o << ", ";
            o << (n.inputs[i] == kNoId ? std::string("_") : "%" + g.values[size_t(n.inputs[i])].name);
        }
        o << ")";
        if (!n.attrs.all().empty()) {
            o << " {";
            bool first = true;
            for (const auto& [k, v] : n.attrs.all()) {
                o << (first ? "" : ", ") << k << "=" << attr_to_string(v);
                first = false;
            }
            o << "}";
        }
        if (!n.outputs.empty() && n.outputs[0] != kNoId) o << " : " << type_string(g.values[size_t(n.outputs[0])]);
        o << "  # " << n.name << "\n";
    }
    return o.str();
}

}  // namespace frugal
