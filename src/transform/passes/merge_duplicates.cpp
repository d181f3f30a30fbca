#include "transform/passes/merge_duplicates.h"

#include <cstring>
#include <map>
#include <sstream>


namespace frugal::transform {

namespace {

constexpr size_t kHashLimitBytes = size_t(1) << 20;

uint64_t fnv1a(const std::byte* p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; ++i) h = (h ^ uint64_t(p[i])) * 1099511628211ull;
    return h;
}

std::string constant_key(const Tensor& t) {
    std::ostringstream k;
    k << dtype_name(t.dtype) << shape_to_string(t.shape) << ':';
    if (t.nbytes() <= kHashLimitBytes) k << "h" << fnv1a(t.raw(), t.nbytes());
    else k << "p" << static_cast<const void*>(t.raw());
    return k.str();
}

bool same_bytes(const Tensor& a, const Tensor& b) {
    return a.dtype == b.dtype && a.shape == b.shape && (a.raw() == b.raw() || std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0);
}

std::string attrs_key(const Attributes& attrs) {
    std::ostringstream k;
    for (const auto& [name, v] : attrs.all()) {
        k << name << '=';
        std::visit(
            [&](const auto& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, float> || std::is_same_v<T, std::string>) k << x;
                else if constexpr (std::is_same_v<T, Tensor>) k << constant_key(x);
                else
                    for (const auto& e : x) k << e << ',';
            },
            v);
        k << ';';
    }
    return k.str();
}

}  // namespace

size_t merge_duplicates(Model& model) {
    Graph& g = model.graph;
    size_t merged = 0;
    std::map<std::string, std::vector<ValueId>> by_key;
    for (size_t i = 0; i < g.values.size(); ++i) {
        Value& v = g.values[i];
        if (!v.is_constant() || g.is_graph_output(ValueId(i))) continue;
        auto& group = by_key[constant_key(*v.constant)];
        bool done = false;
        for (ValueId first : group)
            if (same_bytes(*g.values[size_t(first)].constant, *v.constant)) {
                g.replace_all_uses(ValueId(i), first);
                merged++;
                done = true;
                break;
            }
        if (!done) group.push_back(ValueId(i));
    }
    std::map<std::string, NodeId> seen;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        Node& n = g.nodes[i];
        if (n.dead) continue;
        std::ostringstream k;
        k << int(n.op) << '/' << n.opset << '/' << n.outputs.size() << '(';
        for (ValueId v : n.inputs) k << v << ',';
        k << ')' << attrs_key(n.attrs);
        auto [it, inserted] = seen.emplace(k.str(), NodeId(i));
        if (inserted) continue;
        const Node& first = g.nodes[size_t(it->second)];
        bool outputs_free = true;
        for (ValueId o : n.outputs) outputs_free &= o == kNoId || !g.is_graph_output(o);
        if (!outputs_free) continue;
        for (size_t o = 0; o < n.outputs.size(); ++o)
            if (n.outputs[o] != kNoId && first.outputs[o] != kNoId) g.replace_all_uses(n.outputs[o], first.outputs[o]);
        // Outputs the first node does not produce (omitted there) keep this node alive.
        bool all_mapped = true;
        for (size_t o = 0; o < n.outputs.size(); ++o) all_mapped &= n.outputs[o] == kNoId || first.outputs[o] != kNoId;
        if (all_mapped) {
            n.dead = true;
            merged++;
        }
    }
    if (merged) g.compact();
    return merged;
}

}  // namespace frugal::transform
