#include "frontend/onnx/read_onnx.h"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <unordered_map>

#include "frontend/onnx/tensor_proto.h"
#include "ir/limits.h"
#include "ir/onnx_dtype.h"
#include "ir/verifier.h"
#include "ops/op_table.h"

namespace frugal {

namespace {

// The protobuf parser's own nesting limit (100 levels of messages) bounds how deep a hostile
// file can nest; frugal reads no subgraph attributes, so its own recursion is one graph deep.
onnx::ModelProto parse_bytes(std::string_view bytes, const std::string& name) {
    if (bytes.size() > size_t(INT_MAX)) fail(name + ": an in-memory ONNX model must be under 2 GiB");
    onnx::ModelProto proto;
    google::protobuf::io::CodedInputStream coded(reinterpret_cast<const uint8_t*>(bytes.data()), int(bytes.size()));
    coded.SetTotalBytesLimit(INT_MAX);
    bool ok = proto.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
    if (!ok) fail(name + ": not a valid ONNX model (the protobuf message is corrupt, truncated or nested more than 100 deep)");
    if (!proto.has_graph()) fail(name + ": not a valid ONNX model (it has no graph; the file may be truncated)");
    return proto;
}

onnx::ModelProto parse_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path + ": cannot open: " + std::strerror(errno));
    onnx::ModelProto proto;
    bool ok;
    {
        // Streamed parse: the file is never held in memory beside the parsed message.
        google::protobuf::io::FileInputStream raw(fd);
        google::protobuf::io::CodedInputStream coded(&raw);
        coded.SetTotalBytesLimit(INT_MAX);
        ok = proto.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
    }
    ::close(fd);
    if (!ok) fail(path + ": not a valid ONNX model (the protobuf message is corrupt, truncated or nested more than 100 deep)");
    if (!proto.has_graph()) fail(path + ": not a valid ONNX model (it has no graph; the file may be truncated)");
    return proto;
}

PartialShape shape_from_proto(const onnx::TypeProto& type) {
    if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return PartialShape::unknown_rank();
    PartialShape s;
    s.rank_known = true;
    bool any_name = false;
    for (const auto& d : type.tensor_type().shape().dim()) {
        s.dims.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : kDynamic);
        s.dim_names.push_back(d.has_dim_param() ? d.dim_param() : "");
        any_name |= d.has_dim_param();
    }
    if (!any_name) s.dim_names.clear();
    return s;
}

AttributeValue attribute_from_proto(onnx::AttributeProto& a, const std::string& where) {
    switch (a.type()) {
        case onnx::AttributeProto::INT: return int64_t(a.i());
        case onnx::AttributeProto::FLOAT: return a.f();
        case onnx::AttributeProto::STRING: return a.s();
        case onnx::AttributeProto::INTS: return std::vector<int64_t>(a.ints().begin(), a.ints().end());
        case onnx::AttributeProto::FLOATS: return std::vector<float>(a.floats().begin(), a.floats().end());
        case onnx::AttributeProto::STRINGS: return std::vector<std::string>(a.strings().begin(), a.strings().end());
        case onnx::AttributeProto::TENSOR: return onnx_io::tensor_from_proto(*a.mutable_t(), nullptr);
        default:
            throw UnsupportedError(where + ": attribute '" + a.name() + "' has a kind frugal does not support (" +
                                       onnx::AttributeProto_AttributeType_Name(a.type()) + ")",
                                   "attribute kind " + onnx::AttributeProto_AttributeType_Name(a.type()));
    }
}

// A Constant node is a constant value: its attribute holds the tensor.
Tensor constant_node_value(onnx::NodeProto& n, const std::string& where) {
    for (auto& a : *n.mutable_attribute()) {
        const std::string& k = a.name();
        if (k == "value") return onnx_io::tensor_from_proto(*a.mutable_t(), nullptr);
        if (k == "value_float") return Tensor::scalar<float>(a.f());
        if (k == "value_int") return Tensor::scalar<int64_t>(a.i());
        if (k == "value_floats")
            return Tensor::from_vector<float>({int64_t(a.floats_size())}, {a.floats().begin(), a.floats().end()});
        if (k == "value_ints")
            return Tensor::from_vector<int64_t>({int64_t(a.ints_size())}, {a.ints().begin(), a.ints().end()});
        if (k == "sparse_value" || k == "value_string" || k == "value_strings")
            throw UnsupportedError(where + ": Constant with attribute '" + k + "' is not supported", "op Constant(" + k + ")");
    }
    fail(where + ": Constant has no value attribute");
}

class Reader {
public:
    explicit Reader(const std::string& path) : path_(path), external_(std::filesystem::path(path).parent_path().string()) {}
    // A model held in memory has no folder, so it may not refer to external data.
    Reader(const std::string& name, std::nullptr_t) : path_(name), external_(""), allow_external_(false) {}

    Model read() { return read(parse_file(path_)); }
    Model read(std::string_view bytes) { return read(parse_bytes(bytes, path_)); }

private:
    Model read(onnx::ModelProto proto) {
        Model m;
        m.path = path_;
        m.ir_version = proto.ir_version();
        m.producer_name = proto.producer_name();
        for (const auto& op : proto.opset_import()) m.opsets[op.domain() == "ai.onnx" ? "" : op.domain()] = op.version();
        if (m.opsets.empty()) m.opsets[""] = 1;  // IR < 3 implies opset 1
        for (const auto& p : proto.metadata_props()) m.metadata[p.key()] = p.value();
        read_graph(*proto.mutable_graph(), m);
        return m;
    }

    ValueId value_for(Graph& g, const std::string& name) {
        auto it = ids_.find(name);
        if (it != ids_.end()) return it->second;
        ValueId id = g.add_value(name);
        ids_[name] = id;
        return id;
    }

    void read_graph(onnx::GraphProto& gp, Model& m) {
        Graph& g = m.graph;
        // Initializers first: a graph input with an initializer of the same name is a constant
        // with a default value (ONNX IR >= 4); frugal treats it as that constant.
        for (auto& init : *gp.mutable_initializer()) {
            std::string name = init.name();
            if (name.empty()) fail(path_ + ": an initializer has no name");
            if (ids_.count(name)) fail(path_ + ": initializer '" + name + "' is defined twice");
            Tensor t;
            try {
                t = onnx_io::tensor_from_proto(init, allow_external_ ? &external_ : nullptr);
            } catch (const UnsupportedError& e) {
                throw UnsupportedError(path_ + ": " + e.what(), e.feature);
            } catch (const Error& e) {
                fail(path_ + ": initializer " + e.what());
            }
            ids_[name] = g.add_constant(name, std::move(t));
        }
        gp.clear_initializer();  // any bytes not moved out go now, not at the end of reading
        if (gp.sparse_initializer_size()) fail(path_ + ": sparse initializers are not supported");
        for (const auto& in : gp.input()) {
            if (ids_.count(in.name()) && g.values[size_t(ids_[in.name()])].is_constant()) continue;
            ValueId id = value_for(g, in.name());
            Value& v = g.values[size_t(id)];
            if (!in.type().has_tensor_type())
                throw UnsupportedError(path_ + ": graph input '" + in.name() + "' is not a tensor (sequences, maps and optionals are not supported)",
                                       "non-tensor inputs");
            int code = in.type().tensor_type().elem_type();
            v.dtype = dtype_from_onnx_if_supported(code);
            if (v.dtype == DType::undefined)
                throw UnsupportedError(path_ + ": graph input '" + in.name() + "' has element type " + onnx_dtype_name(code) +
                                           ", which frugal does not support",
                                       std::string("element type ") + onnx_dtype_name(code));
            v.shape = shape_from_proto(in.type());
            g.inputs.push_back(id);
        }
        for (auto& np : *gp.mutable_node()) read_node(np, m);
        for (const auto& out : gp.output()) {
            auto it = ids_.find(out.name());
            if (it == ids_.end()) fail(path_ + ": graph output '" + out.name() + "' is not produced by any node");
            g.outputs.push_back(it->second);
            declared_outputs_.push_back(out);
        }
        try {
            g.topological_sort();
            verify_graph(g);
            infer_graph(g);
            check_value_sizes(g);
        } catch (const UnsupportedError&) {
            throw;
        } catch (const Error& e) {
            fail(path_ + ": " + e.what());
        }
        // Keep declared symbolic names on outputs (inference knows dims, the file knows names).
        for (size_t i = 0; i < g.outputs.size(); ++i) {
            Value& v = g.values[size_t(g.outputs[i])];
            PartialShape declared = shape_from_proto(declared_outputs_[i].type());
            if (!v.shape.rank_known && declared.rank_known) v.shape = declared;
            else if (declared.rank_known && declared.rank() == v.shape.rank() && v.shape.dim_names.empty())
                v.shape.dim_names = declared.dim_names;
        }
    }

    void read_node(onnx::NodeProto& np, Model& m) {
        Graph& g = m.graph;
        std::string name = np.name().empty() ? (np.output_size() ? np.output(0) : np.op_type()) : np.name();
        std::string where = path_ + ": node '" + name + "' (" + np.op_type() + ")";
        std::string domain = np.domain() == "ai.onnx" ? "" : np.domain();
        if (!domain.empty())
            throw UnsupportedError(where + ": op domain '" + domain + "' is not supported", "op " + domain + "." + np.op_type());
        auto kind = op_from_name(np.op_type());
        if (!kind) throw UnsupportedError(where + ": unknown op '" + np.op_type() + "'", "op " + np.op_type());
        if (*kind == OpKind::Constant) {
            if (np.output_size() != 1) fail(where + ": Constant must have one output");
            const std::string& out = np.output(0);
            if (ids_.count(out)) fail(where + ": output '" + out + "' is already defined");
            try {
                ids_[out] = g.add_constant(out, constant_node_value(np, where));
            } catch (const UnsupportedError&) {
                throw;
            } catch (const Error& e) {
                if (std::string(e.what()).rfind(path_, 0) == 0) throw;
                fail(where + ": " + e.what());
            }
            return;
        }
        Node n;
        n.name = name;
        n.op = *kind;
        n.opset = m.default_opset();
        for (const std::string& in : np.input()) {
            if (in.empty()) {
                n.inputs.push_back(kNoId);
                continue;
            }
            auto it = ids_.find(in);
            if (it == ids_.end())
                fail(where + ": input '" + in + "' is not a graph input, an initializer or the output of an earlier node");
            n.inputs.push_back(it->second);
        }
        for (const std::string& out : np.output()) {
            if (out.empty()) {
                n.outputs.push_back(kNoId);
                continue;
            }
            if (ids_.count(out)) fail(where + ": output '" + out + "' is already defined");
            n.outputs.push_back(value_for(g, out));
        }
        for (auto& a : *np.mutable_attribute()) {
            try {
                n.attrs.set(a.name(), attribute_from_proto(a, where));
            } catch (const UnsupportedError&) {
                throw;
            } catch (const Error& e) {
                if (std::string(e.what()).rfind(path_, 0) == 0) throw;
                fail(where + ": attribute '" + a.name() + "': " + e.what());
            }
        }
        g.add_node(std::move(n));
    }

    std::string path_;
    onnx_io::ExternalData external_;
    bool allow_external_ = true;
    std::unordered_map<std::string, ValueId> ids_;
    std::vector<onnx::ValueInfoProto> declared_outputs_;
};

}  // namespace

Model read_onnx(const std::string& path) { return Reader(path).read(); }

Model read_onnx_bytes(std::string_view bytes, const std::string& name) { return Reader(name, nullptr).read(bytes); }

}  // namespace frugal
