#include "compile/compiled_graph_io.h"

#include <variant>

#include "ir/error.h"

namespace frugal::compile {

namespace {

// Ranks and element counts a compiled file may hold; anything larger is corrupt.
constexpr uint32_t kMaxRank = 64;

void put_tensor(ByteWriter& w, const Tensor& t, const PlaceTensor& place) {
    w.u8(uint8_t(t.dtype));
    w.u32(uint32_t(t.shape.size()));
    for (int64_t d : t.shape) w.i64(d);
    w.u64(place(t));
    w.u64(t.nbytes());
}

DType get_dtype(ByteReader& r) {
    uint8_t d = r.u8();
    if (d == 0 || d > uint8_t(DType::boolean)) r.corrupt("unknown element type code " + std::to_string(d));
    return DType(d);
}

Tensor get_tensor(ByteReader& r, const TensorAt& tensor_at) {
    DType dt = get_dtype(r);
    uint32_t rank = r.u32();
    if (rank > kMaxRank) r.corrupt("tensor rank " + std::to_string(rank));
    Shape shape(rank);
    uint64_t numel = 1;
    for (int64_t& d : shape) {
        d = r.i64();
        if (d < 0 || d > (int64_t(1) << 40)) r.corrupt("tensor dimension " + std::to_string(d));
        // Overflow-safe product: stop growing once past any file size.
        numel = numel > (uint64_t(1) << 50) / uint64_t(std::max<int64_t>(d, 1)) ? (uint64_t(1) << 50) : numel * uint64_t(d);
    }
    uint64_t offset = r.u64(), bytes = r.u64();
    if (numel >= (uint64_t(1) << 50) || bytes != numel * dtype_size(dt))
        r.corrupt("tensor of " + std::string(dtype_name(dt)) + " " + shape_to_string(shape) + " with " + std::to_string(bytes) + " bytes");
    return tensor_at(dt, shape, offset, bytes);
}

void put_ids(ByteWriter& w, const std::vector<int32_t>& ids) {
    w.u32(uint32_t(ids.size()));
    for (int32_t id : ids) w.i32(id);
}

std::vector<int32_t> get_ids(ByteReader& r) {
    std::vector<int32_t> ids(r.count(4));
    for (int32_t& id : ids) id = r.i32();
    return ids;
}

void put_attribute(ByteWriter& w, const AttributeValue& v, const PlaceTensor& place) {
    w.u8(uint8_t(v.index()));
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, int64_t>) w.i64(x);
            else if constexpr (std::is_same_v<T, float>) w.f32(x);
            else if constexpr (std::is_same_v<T, std::string>) w.str(x);
            else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
                w.u32(uint32_t(x.size()));
                for (int64_t e : x) w.i64(e);
            } else if constexpr (std::is_same_v<T, std::vector<float>>) {
                w.u32(uint32_t(x.size()));
                for (float e : x) w.f32(e);
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                w.u32(uint32_t(x.size()));
                for (const std::string& e : x) w.str(e);
            } else {
                put_tensor(w, x, place);
            }
        },
        v);
}

AttributeValue get_attribute(ByteReader& r, const TensorAt& tensor_at) {
    uint8_t kind = r.u8();
    switch (kind) {
        case 0: return r.i64();
        case 1: return r.f32();
        case 2: return r.str();
        case 3: {
            std::vector<int64_t> v(r.count(8));
            for (int64_t& e : v) e = r.i64();
            return v;
        }
        case 4: {
            std::vector<float> v(r.count(4));
            for (float& e : v) e = r.f32();
            return v;
        }
        case 5: {
            std::vector<std::string> v(r.count(4));
            for (std::string& e : v) e = r.str();
            return v;
        }
        case 6: return get_tensor(r, tensor_at);
        default: r.corrupt("unknown attribute kind " + std::to_string(kind));
    }
}

}  // namespace

std::string ByteReader::str() {
    size_t n = count(1);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
}

size_t ByteReader::count(size_t min_bytes) {
    uint32_t n = u32();
    if (uint64_t(n) * min_bytes > size_ - pos_) corrupt("a count of " + std::to_string(n) + " runs past the end");
    return n;
}

void ByteReader::corrupt(const std::string& why) const {
    fail(what_ + " at file offset " + std::to_string(base_ + pos_) + ": " + why + " (truncated or corrupt file)");
}

void encode_graph(const CompiledModel& cm, ByteWriter& w, const PlaceTensor& place) {
    const Model& m = cm.model;
    w.i64(m.ir_version);
    w.str(m.producer_name);
    w.u32(uint32_t(m.opsets.size()));
    for (const auto& [domain, version] : m.opsets) {
        w.str(domain);
        w.i64(version);
    }
    w.u32(uint32_t(m.metadata.size()));
    for (const auto& [k, v] : m.metadata) {
        w.str(k);
        w.str(v);
    }
    const Graph& g = m.graph;
    w.u32(uint32_t(g.values.size()));
    for (const Value& v : g.values) {
        w.str(v.name);
        w.u8(uint8_t(v.dtype));
        w.u8(v.shape.rank_known);
        w.u32(uint32_t(v.shape.dims.size()));
        for (int64_t d : v.shape.dims) w.i64(d);
        w.u32(uint32_t(v.shape.dim_names.size()));
        for (const std::string& n : v.shape.dim_names) w.str(n);
        w.i32(v.producer);
        w.u8(v.is_constant());
        if (v.is_constant()) put_tensor(w, *v.constant, place);
    }
    w.u32(uint32_t(g.nodes.size()));
    for (const Node& n : g.nodes) {
        w.str(n.name);
        w.str(std::string(op_name(n.op)));
        w.i64(n.opset);
        w.u8(n.dead);
        put_ids(w, n.inputs);
        put_ids(w, n.outputs);
        w.u32(uint32_t(n.attrs.all().size()));
        for (const auto& [name, v] : n.attrs.all()) {
            w.str(name);
            put_attribute(w, v, place);
        }
    }
    put_ids(w, g.inputs);
    put_ids(w, g.outputs);
    put_ids(w, cm.node_packed);
}

void decode_graph(ByteReader& r, const TensorAt& tensor_at, CompiledModel& cm) {
    Model& m = cm.model;
    m.ir_version = r.i64();
    m.producer_name = r.str();
    for (size_t i = 0, n = r.count(12); i < n; ++i) {
        std::string domain = r.str();
        m.opsets[domain] = r.i64();
    }
    for (size_t i = 0, n = r.count(8); i < n; ++i) {
        std::string k = r.str();
        m.metadata[k] = r.str();
    }
    Graph& g = m.graph;
    g.values.resize(r.count(19));
    for (Value& v : g.values) {
        v.name = r.str();
        uint8_t dt = r.u8();
        if (dt > uint8_t(DType::boolean)) r.corrupt("unknown element type code " + std::to_string(dt));
        v.dtype = DType(dt);
        v.shape.rank_known = r.u8() != 0;
        v.shape.dims.resize(r.count(8));
        if (v.shape.dims.size() > kMaxRank) r.corrupt("rank " + std::to_string(v.shape.dims.size()));
        for (int64_t& d : v.shape.dims) {
            d = r.i64();
            if (d < kDynamic) r.corrupt("dimension " + std::to_string(d) + " of value '" + v.name + "'");
        }
        v.shape.dim_names.resize(r.count(4));
        if (!v.shape.dim_names.empty() && v.shape.dim_names.size() != v.shape.dims.size())
            r.corrupt("value '" + v.name + "' has dimension names for another rank");
        for (std::string& s : v.shape.dim_names) s = r.str();
        v.producer = r.i32();
        if (r.u8()) v.constant = get_tensor(r, tensor_at);
    }
    g.nodes.resize(r.count(22));
    for (Node& n : g.nodes) {
        n.name = r.str();
        std::string op = r.str();
        auto kind = op_from_name(op);
        if (!kind) r.corrupt("unknown op '" + op + "' in node '" + n.name + "'");
        n.op = *kind;
        n.opset = r.i64();
        n.dead = r.u8() != 0;
        n.inputs = get_ids(r);
        n.outputs = get_ids(r);
        for (size_t i = 0, count = r.count(6); i < count; ++i) {
            std::string name = r.str();
            n.attrs.set(name, get_attribute(r, tensor_at));
        }
    }
    g.inputs = get_ids(r);
    g.outputs = get_ids(r);
    cm.node_packed = get_ids(r);
    if (!r.at_end()) r.corrupt("bytes left after the graph");
}

void check_compiled_graph(const CompiledModel& cm, size_t packed_count, const std::string& file) {
    const Graph& g = cm.model.graph;
    auto bad = [&](const std::string& why) { fail(file + ": corrupt compiled graph: " + why); };
    auto value_ok = [&](int32_t id) { return id >= 0 && size_t(id) < g.values.size(); };
    if (cm.node_packed.size() != g.nodes.size()) bad("node_packed has " + std::to_string(cm.node_packed.size()) + " entries for " + std::to_string(g.nodes.size()) + " nodes");
    // available[v]: v may be read by the next node.
    std::vector<char> available(g.values.size(), 0), produced(g.values.size(), 0);
    for (size_t v = 0; v < g.values.size(); ++v) {
        const Value& val = g.values[v];
        if (val.producer != kNoId && (val.producer < 0 || size_t(val.producer) >= g.nodes.size()))
            bad("value '" + val.name + "' has producer " + std::to_string(val.producer));
        if (val.is_constant() && val.producer != kNoId) bad("constant '" + val.name + "' has a producer");
        // A value without producer or constant is a graph input or a packed weight (checked below).
        if (val.producer == kNoId && val.is_constant()) available[v] = 1;
    }
    for (int32_t id : g.inputs) {
        if (!value_ok(id)) bad("graph input id " + std::to_string(id));
        available[size_t(id)] = 1;
    }
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        int packed = cm.node_packed[i];
        if (packed < -1 || packed >= int(packed_count)) bad("node '" + n.name + "' refers to packed weight " + std::to_string(packed));
        for (size_t k = 0; k < n.inputs.size(); ++k) {
            int32_t id = n.inputs[k];
            if (id == kNoId) continue;
            if (!value_ok(id)) bad("node '" + n.name + "' reads value id " + std::to_string(id));
            // The weight a packed node reads has no bytes in the graph; the PackedMatmul holds them.
            bool packed_weight = packed >= 0 && ((n.op == OpKind::FusedMatMul && k == 1) || (n.op == OpKind::Gather && k == 0));
            if (!available[size_t(id)] && !(n.dead || packed_weight))
                bad("node '" + n.name + "' reads '" + g.values[size_t(id)].name + "' before it is produced");
        }
        for (int32_t id : n.outputs) {
            if (!value_ok(id)) bad("node '" + n.name + "' writes value id " + std::to_string(id));
            if (produced[size_t(id)] || g.values[size_t(id)].producer != NodeId(i))
                bad("value '" + g.values[size_t(id)].name + "' is not produced once, by node '" + n.name + "'");
            produced[size_t(id)] = 1;
            if (!n.dead) available[size_t(id)] = 1;
        }
    }
    for (size_t v = 0; v < g.values.size(); ++v)
        if (g.values[v].producer != kNoId && !produced[v]) bad("value '" + g.values[v].name + "' names a producer that does not write it");
    for (int32_t id : g.outputs)
        if (!value_ok(id) || !available[size_t(id)]) bad("graph output id " + std::to_string(id));
}

}  // namespace frugal::compile
