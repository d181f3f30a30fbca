#include "frontend/onnx/write_onnx.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include "frontend/onnx/tensor_proto.h"
#include "ir/error.h"
#include "ir/onnx_dtype.h"

namespace frugal {

namespace {

void set_type(const Value& v, onnx::ValueInfoProto& vi) {
    vi.set_name(v.name);
    auto* tt = vi.mutable_type()->mutable_tensor_type();
    tt->set_elem_type(dtype_to_onnx(v.dtype));
    if (!v.shape.rank_known) return;
    auto* shape = tt->mutable_shape();
    for (size_t i = 0; i < v.shape.rank(); ++i) {
        auto* d = shape->add_dim();
        if (v.shape.dims[i] >= 0) d->set_dim_value(v.shape.dims[i]);
        else if (i < v.shape.dim_names.size() && !v.shape.dim_names[i].empty()) d->set_dim_param(v.shape.dim_names[i]);
    }
}

void set_attribute(const std::string& name, const AttributeValue& value, onnx::AttributeProto& a) {
    a.set_name(name);
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, int64_t>) {
                a.set_type(onnx::AttributeProto::INT);
                a.set_i(x);
            } else if constexpr (std::is_same_v<T, float>) {
                a.set_type(onnx::AttributeProto::FLOAT);
                a.set_f(x);
            } else if constexpr (std::is_same_v<T, std::string>) {
                a.set_type(onnx::AttributeProto::STRING);
                a.set_s(x);
            } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
                a.set_type(onnx::AttributeProto::INTS);
                for (int64_t v : x) a.add_ints(v);
            } else if constexpr (std::is_same_v<T, std::vector<float>>) {
                a.set_type(onnx::AttributeProto::FLOATS);
                for (float v : x) a.add_floats(v);
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                a.set_type(onnx::AttributeProto::STRINGS);
                for (const auto& v : x) a.add_strings(v);
            } else {
                a.set_type(onnx::AttributeProto::TENSOR);
                onnx_io::tensor_to_proto(x, *a.mutable_t());
            }
        },
        value);
}

// Constants that the written graph refers to, in value order.
std::vector<ValueId> used_constants(const Graph& g) {
    std::vector<char> used(g.values.size(), 0);
    for (const Node& n : g.nodes)
        if (!n.dead)
            for (ValueId v : n.inputs)
                if (v != kNoId) used[size_t(v)] = 1;
    for (ValueId v : g.outputs) used[size_t(v)] = 1;
    std::vector<ValueId> out;
    for (size_t i = 0; i < g.values.size(); ++i)
        if (used[i] && g.values[i].is_constant()) out.push_back(ValueId(i));
    return out;
}

}  // namespace

void write_onnx(const Model& model, const std::string& path, const OnnxWriteOptions& options) {
    const Graph& g = model.graph;
    onnx::ModelProto proto;
    // onnx 1.12 (Debian's checker) knows IR versions up to 8.
    proto.set_ir_version(std::min<int64_t>(std::max<int64_t>(model.ir_version, 7), 8));
    proto.set_producer_name(model.producer_name.empty() ? "frugal" : model.producer_name);
    for (const auto& [domain, version] : model.opsets) {
        auto* op = proto.add_opset_import();
        op->set_domain(domain);
        op->set_version(version);
    }
    for (const auto& [k, v] : model.metadata) {
        auto* p = proto.add_metadata_props();
        p->set_key(k);
        p->set_value(v);
    }
    onnx::GraphProto& gp = *proto.mutable_graph();
    gp.set_name("frugal");
    for (ValueId v : g.inputs) set_type(g.values[size_t(v)], *gp.add_input());
    for (ValueId v : g.outputs) set_type(g.values[size_t(v)], *gp.add_output());
    for (const Node& n : g.nodes) {
        if (n.dead) continue;
        onnx::NodeProto& np = *gp.add_node();
        np.set_name(n.name);
        np.set_op_type(std::string(op_name(n.op)));
        for (ValueId v : n.inputs) np.add_input(v == kNoId ? "" : g.values[size_t(v)].name);
        for (ValueId v : n.outputs) np.add_output(v == kNoId ? "" : g.values[size_t(v)].name);
        for (const auto& [k, v] : n.attrs.all()) set_attribute(k, v, *np.add_attribute());
        // Intermediate types help other tools (and our reader) without re-running inference.
        for (ValueId v : n.outputs)
            if (v != kNoId && !g.is_graph_output(v) && g.values[size_t(v)].dtype != DType::undefined)
                set_type(g.values[size_t(v)], *gp.add_value_info());
    }

    std::vector<ValueId> constants = used_constants(g);
    std::filesystem::path data_path = std::filesystem::path(path).string() + ".data";
    std::string data_name = data_path.filename().string();
    std::ofstream data;
    uint64_t data_offset = 0;
    if (options.external_data) {
        data.open(data_path, std::ios::binary | std::ios::trunc);
        if (!data) fail(data_path.string() + ": cannot create");
    }
    // Each initializer is streamed into the graph field after the rest of the graph, its bytes
    // straight from the tensor, so writing copies no weight. Repeated fields of a message may be
    // written in any order after the other fields: protobuf merges them.
    std::vector<std::string> encoded_small;
    // An external initializer: its bytes go to the data file, the small message is returned.
    auto encode_external = [&](ValueId id) {
        const Value& v = g.values[size_t(id)];
        onnx::TensorProto t;
        t.set_name(v.name);
        const Tensor& c = *v.constant;
        t.set_data_type(dtype_to_onnx(c.dtype));
        for (int64_t d : c.shape) t.add_dims(d);
        uint64_t pad = (64 - data_offset % 64) % 64;
        static const char zeros[64] = {};
        data.write(zeros, std::streamsize(pad));
        data_offset += pad;
        data.write(reinterpret_cast<const char*>(c.raw()), std::streamsize(c.nbytes()));
        if (!data) fail(data_path.string() + ": write failed");
        t.set_data_location(onnx::TensorProto::EXTERNAL);
        auto add = [&](const char* k, const std::string& val) {
            auto* e = t.add_external_data();
            e->set_key(k);
            e->set_value(val);
        };
        add("location", data_name);
        add("offset", std::to_string(data_offset));
        add("length", std::to_string(c.nbytes()));
        data_offset += c.nbytes();
        return t.SerializeAsString();
    };

    // The graph message's length must precede it, so sum the initializers' encoded sizes first
    // (cheap: raw bytes plus a small header each), then stream them.
    using google::protobuf::io::CodedOutputStream;
    const int init_field = onnx::GraphProto::kInitializerFieldNumber;
    const int graph_field = onnx::ModelProto::kGraphFieldNumber;
    size_t graph_size = gp.ByteSizeLong();
    std::vector<size_t> init_sizes;
    for (ValueId id : constants) {
        const Tensor& c = *g.values[size_t(id)].constant;
        onnx::TensorProto header;  // everything but the bytes, to size the message exactly
        header.set_name(g.values[size_t(id)].name);
        bool external = options.external_data && c.nbytes() >= options.external_threshold;
        size_t size;
        if (external) {
            size = 0;  // computed below by encoding (small)
        } else {
            header.set_data_type(dtype_to_onnx(c.dtype));
            for (int64_t d : c.shape) header.add_dims(d);
            size_t bytes = c.nbytes();
            // raw_data is field 9, length-delimited.
            size = header.ByteSizeLong() + CodedOutputStream::VarintSize32(onnx::TensorProto::kRawDataFieldNumber << 3) +
                   CodedOutputStream::VarintSize64(bytes) + bytes;
        }
        init_sizes.push_back(size);
    }
    // External initializers are tiny messages: encode them now (this also writes the data file).
    for (size_t i = 0; i < constants.size(); ++i) {
        const Tensor& c = *g.values[size_t(constants[i])].constant;
        if (options.external_data && c.nbytes() >= options.external_threshold) {
            encoded_small.push_back(encode_external(constants[i]));
            init_sizes[i] = encoded_small.back().size();
        }
    }
    for (size_t s : init_sizes)
        graph_size += CodedOutputStream::VarintSize32(uint32_t(init_field << 3)) + CodedOutputStream::VarintSize64(s) + s;

    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) fail(path + ": cannot create");
    {
        google::protobuf::io::OstreamOutputStream os(&f);
        CodedOutputStream out(&os);
        onnx::GraphProto* graph = proto.release_graph();  // the graph field is written by hand below
        std::string head = proto.SerializeAsString();
        proto.set_allocated_graph(graph);
        out.WriteRaw(head.data(), int(head.size()));
        out.WriteTag(uint32_t(graph_field << 3 | 2));
        out.WriteVarint64(graph_size);
        std::string body = gp.SerializeAsString();
        out.WriteRaw(body.data(), int(body.size()));
        size_t small = 0;
        for (size_t i = 0; i < constants.size(); ++i) {
            const Tensor& c = *g.values[size_t(constants[i])].constant;
            out.WriteTag(uint32_t(init_field << 3 | 2));
            out.WriteVarint64(init_sizes[i]);
            if (options.external_data && c.nbytes() >= options.external_threshold) {
                const std::string& enc = encoded_small[small++];
                out.WriteRaw(enc.data(), int(enc.size()));
                continue;
            }
            // An embedded weight: its header, then raw_data written straight from the tensor, so
            // writing copies no weight (a TensorProto would copy it twice: set_raw_data, serialize).
            onnx::TensorProto header;
            header.set_name(g.values[size_t(constants[i])].name);
            header.set_data_type(dtype_to_onnx(c.dtype));
            for (int64_t d : c.shape) header.add_dims(d);
            std::string head_bytes = header.SerializeAsString();
            out.WriteRaw(head_bytes.data(), int(head_bytes.size()));
            out.WriteTag(uint32_t(onnx::TensorProto::kRawDataFieldNumber << 3 | 2));
            out.WriteVarint64(c.nbytes());
            const char* bytes = reinterpret_cast<const char*>(c.raw());
            for (size_t done = 0; done < c.nbytes();) {
                size_t n = std::min<size_t>(c.nbytes() - done, size_t(1) << 30);  // WriteRaw takes an int
                out.WriteRaw(bytes + done, int(n));
                done += n;
            }
        }
    }
    if (!f) fail(path + ": write failed");
}

}  // namespace frugal
