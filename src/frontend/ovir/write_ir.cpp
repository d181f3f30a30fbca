#include "frontend/ovir/write_ir.h"

#include <pugixml.hpp>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "frontend/ovir/ir_export.h"
#include "frontend/ovir/ir_format.h"
#include "ir/error.h"

namespace frugal {
namespace ovir {

BinWriter::BinWriter(const std::string& path) : out_(path, std::ios::binary | std::ios::trunc), path_(path) {
    if (!out_) fail(path + ": cannot create: " + std::strerror(errno));
}

uint64_t BinWriter::write(const Tensor& t) {
    size_t n = t.nbytes();
    if (n == 0) return size_;  // nothing to write; an offset inside the file
    auto key = std::make_pair(t.raw(), n);
    auto it = written_.find(key);
    if (it != written_.end()) return it->second;
    static const char zeros[64] = {};
    uint64_t pad = (64 - size_ % 64) % 64;
    out_.write(zeros, std::streamsize(pad));
    uint64_t offset = size_ + pad;
    out_.write(reinterpret_cast<const char*>(t.raw()), std::streamsize(n));
    if (!out_) fail(path_ + ": write failed: " + std::strerror(errno));
    size_ = offset + n;
    written_[key] = offset;
    pinned_.push_back(t);  // keeps the bytes (and so the key's address) from being reused
    return offset;
}

void BinWriter::close() {
    out_.close();
    if (!out_) fail(path_ + ": write failed: " + std::strerror(errno));
}

void ExportContext::fail(const std::string& message) const {
    frugal::fail((node ? node->context() + ": " : std::string()) + message);
}

std::string ExportContext::unique_layer_name(const std::string& base) {
    std::string b = base.empty() ? "layer" : base;
    if (layer_names_.insert(b).second) return b;
    for (int i = 1;; ++i) {
        std::string n = b + "_" + std::to_string(i);
        if (layer_names_.insert(n).second) return n;
    }
}

PortRef ExportContext::port(ValueId v) {
    auto it = bound_.find(v);
    if (it != bound_.end()) return it->second;
    const Value& val = value(v);
    if (!val.constant) fail("value '" + val.name + "' is used before it is computed");
    PortRef p = const_tensor(val.name, *val.constant);
    bind(v, p);
    return p;
}

void ExportContext::bind(ValueId v, PortRef p) {
    bound_[v] = p;
    std::vector<std::string>& names = layers[p.layer].outputs[p.output].names;
    const std::string& name = value(v).name;
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

std::vector<PortRef> ExportContext::layer(const std::string& type, const std::string& version, const std::string& suffix,
                                          DataAttrs data, std::vector<PortRef> inputs,
                                          std::vector<OutLayer::Output> outputs) {
    OutLayer l;
    std::string base = node ? node->name : std::string();
    if (base.empty()) base = type;
    l.name = unique_layer_name(suffix.empty() ? base : base + "/" + suffix);
    l.type = type;
    l.version = version;
    l.data = std::move(data);
    l.inputs = std::move(inputs);
    l.outputs = std::move(outputs);
    layers.push_back(std::move(l));
    std::vector<PortRef> ports;
    for (size_t i = 0; i < layers.back().outputs.size(); ++i) ports.push_back({layers.size() - 1, i});
    return ports;
}

PortRef ExportContext::layer1(const std::string& type, const std::string& version, const std::string& suffix,
                              DataAttrs data, std::vector<PortRef> inputs, DType t, PartialShape s) {
    return layer(type, version, suffix, std::move(data), std::move(inputs), {{t, std::move(s), {}}})[0];
}

PortRef ExportContext::const_tensor(const std::string& name, const Tensor& t) {
    if (t.dtype == DType::undefined) fail("constant '" + name + "' has no element type");
    uint64_t offset = bin_.write(t);
    OutLayer l;
    l.name = unique_layer_name(name);
    l.type = "Const";
    l.version = "opset1";
    l.data = {{"element_type", ir_element_type(t.dtype)},
              {"shape", format_int_list(t.shape)},
              {"offset", std::to_string(offset)},
              {"size", std::to_string(t.nbytes())}};
    l.outputs.push_back({t.dtype, PartialShape(t.shape), {}});
    layers.push_back(std::move(l));
    return {layers.size() - 1, 0};
}

PortRef ExportContext::const_i64(const std::string& suffix, const std::vector<int64_t>& v) {
    return const_tensor((node ? node->name : std::string("const")) + "/" + suffix,
                        Tensor::from_vector<int64_t>({int64_t(v.size())}, v));
}

PortRef ExportContext::const_i64_scalar(const std::string& suffix, int64_t v) {
    return const_tensor((node ? node->name : std::string("const")) + "/" + suffix, Tensor::scalar<int64_t>(v));
}

PortRef ExportContext::const_scalar(const std::string& suffix, DType t, double v) {
    if (t == DType::undefined) fail("cannot make a constant of an unknown element type");
    Tensor c = Tensor::empty(t, {});
    visit_dtype(t, [&]<class T>() { c.mutable_data<T>()[0] = from_double<T>(v); });
    return const_tensor((node ? node->name : std::string("const")) + "/" + suffix, c);
}

}  // namespace ovir

namespace {

using namespace ovir;

void append_dims(pugi::xml_node port, const PartialShape& s) {
    // An unknown rank has no <dim> (as OpenVINO writes it).
    for (int64_t d : s.dims) port.append_child("dim").text().set(std::to_string(d < 0 ? -1 : d).c_str());
}

std::string escape_names(const std::vector<std::string>& names) {
    std::string r;
    for (const std::string& n : names) {
        if (!r.empty()) r += ",";
        for (char ch : n) {
            if (ch == ',') r += '\\';
            r += ch;
        }
    }
    return r;
}

std::string file_stem(const std::string& path) {
    size_t slash = path.rfind('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    size_t dot = base.rfind('.');
    return dot == std::string::npos ? base : base.substr(0, dot);
}

void serialize(const std::vector<OutLayer>& layers, const std::string& net_name, const std::string& path) {
    pugi::xml_document doc;
    pugi::xml_node decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    pugi::xml_node net = doc.append_child("net");
    net.append_attribute("name") = net_name.c_str();
    net.append_attribute("version") = "11";
    pugi::xml_node xml_layers = net.append_child("layers");
    for (size_t id = 0; id < layers.size(); ++id) {
        const OutLayer& l = layers[id];
        pugi::xml_node x = xml_layers.append_child("layer");
        x.append_attribute("id") = static_cast<unsigned long long>(id);
        x.append_attribute("name") = l.name.c_str();
        x.append_attribute("type") = l.type.c_str();
        x.append_attribute("version") = l.version.c_str();
        if (!l.data.empty()) {
            pugi::xml_node data = x.append_child("data");
            for (const auto& [k, v] : l.data) data.append_attribute(k.c_str()) = v.c_str();
        }
        size_t port_id = 0;
        if (!l.inputs.empty()) {
            pugi::xml_node in = x.append_child("input");
            for (const PortRef& src : l.inputs) {
                const OutLayer::Output& o = layers[src.layer].outputs[src.output];
                pugi::xml_node p = in.append_child("port");
                p.append_attribute("id") = static_cast<unsigned long long>(port_id++);
                p.append_attribute("precision") = ir_precision(o.dtype);
                append_dims(p, o.shape);
            }
        }
        if (!l.outputs.empty()) {
            pugi::xml_node out = x.append_child("output");
            for (const OutLayer::Output& o : l.outputs) {
                pugi::xml_node p = out.append_child("port");
                p.append_attribute("id") = static_cast<unsigned long long>(port_id++);
                p.append_attribute("precision") = ir_precision(o.dtype);
                if (!o.names.empty()) p.append_attribute("names") = escape_names(o.names).c_str();
                append_dims(p, o.shape);
            }
        }
    }
    pugi::xml_node edges = net.append_child("edges");
    for (size_t id = 0; id < layers.size(); ++id) {
        for (size_t k = 0; k < layers[id].inputs.size(); ++k) {
            const PortRef& src = layers[id].inputs[k];
            pugi::xml_node e = edges.append_child("edge");
            e.append_attribute("from-layer") = static_cast<unsigned long long>(src.layer);
            e.append_attribute("from-port") = static_cast<unsigned long long>(layers[src.layer].inputs.size() + src.output);
            e.append_attribute("to-layer") = static_cast<unsigned long long>(id);
            e.append_attribute("to-port") = static_cast<unsigned long long>(k);
        }
    }
    net.append_child("rt_info");
    if (!doc.save_file(path.c_str(), "\t", pugi::format_default, pugi::encoding_utf8))
        fail(path + ": cannot write: " + std::strerror(errno));
}

std::string bin_path_for(const std::string& xml_path) {
    size_t dot = xml_path.rfind('.');
    size_t slash = xml_path.rfind('/');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) return xml_path.substr(0, dot) + ".bin";
    return xml_path + ".bin";
}

void write_layers(const Graph& graph, ExportContext& ctx) {
    for (ValueId v : graph.inputs) {
        const Value& val = ctx.value(v);
        DataAttrs data = {{"shape", format_ir_shape(val.shape)}, {"element_type", ir_element_type(val.dtype)}};
        OutLayer l;
        l.name = ctx.unique_layer_name(val.name);
        l.type = "Parameter";
        l.version = "opset1";
        l.data = std::move(data);
        l.outputs.push_back({val.dtype, val.shape, {}});
        ctx.layers.push_back(std::move(l));
        ctx.bind(v, {ctx.layers.size() - 1, 0});
    }
    for (const Node& n : graph.nodes) {
        if (n.dead) continue;
        ctx.node = &n;
        try {
            export_node(ctx, n);
        } catch (const UnsupportedError&) {
            throw;
        } catch (const Error& e) {
            // Helpers (attribute getters, axis checks) do not know the node; add it once.
            if (std::string(e.what()).rfind(n.context(), 0) == 0) throw;
            ctx.fail(e.what());
        }
        for (ValueId o : n.outputs)
            if (o != kNoId && graph.is_graph_output(o) && !ctx.is_bound(o))
                ctx.fail("output '" + ctx.value(o).name + "' was not produced");
    }
    ctx.node = nullptr;
    // Results last, after any Const that is itself an output.
    std::vector<PortRef> sources;
    for (ValueId v : graph.outputs) sources.push_back(ctx.port(v));
    // An output that an Identity (or a one-input Max, ...) made an alias of another value would
    // read back under that value's name: such an output gets its own pass-through port.
    std::map<ValueId, PortRef> own_port;
    for (size_t i = 0; i < graph.outputs.size(); ++i) {
        const Value& val = ctx.value(graph.outputs[i]);
        if (own_port.count(graph.outputs[i])) {
            sources[i] = own_port[graph.outputs[i]];
            continue;
        }
        std::vector<std::string>& names = ctx.layers[sources[i].layer].outputs[sources[i].output].names;
        if (names.empty() || names[0] == val.name) continue;
        names.erase(std::remove(names.begin(), names.end(), val.name), names.end());
        OutLayer l;
        l.name = ctx.unique_layer_name(val.name);
        l.type = "Convert";
        l.version = "opset1";
        l.data = {{"destination_type", ir_element_type(val.dtype)}};
        l.inputs.push_back(sources[i]);
        l.outputs.push_back({val.dtype, val.shape, {val.name}});
        ctx.layers.push_back(std::move(l));
        sources[i] = {ctx.layers.size() - 1, 0};
        own_port[graph.outputs[i]] = sources[i];
    }
    for (size_t i = 0; i < graph.outputs.size(); ++i) {
        ValueId v = graph.outputs[i];
        PortRef src = sources[i];
        OutLayer l;
        l.name = ctx.unique_layer_name(ctx.value(v).name + "/sink_port_0");
        l.type = "Result";
        l.version = "opset1";
        l.inputs.push_back(src);
        ctx.layers.push_back(std::move(l));
    }
}

}  // namespace

void write_ir(const Model& model, const std::string& xml_path) {
    // Work on a sorted copy (values and nodes only; tensors share their bytes).
    Graph graph = model.graph;
    graph.topological_sort();
    std::string bin_path = bin_path_for(xml_path);
    std::string suffix = ".tmp" + std::to_string(getpid());
    std::string xml_tmp = xml_path + suffix, bin_tmp = bin_path + suffix;
    try {
        BinWriter bin(bin_tmp);
        ExportContext ctx(graph, bin);
        write_layers(graph, ctx);
        bin.close();
        serialize(ctx.layers, file_stem(xml_path), xml_tmp);
    } catch (const UnsupportedError& e) {
        std::remove(xml_tmp.c_str());
        std::remove(bin_tmp.c_str());
        throw UnsupportedError(xml_path + ": " + e.what(), e.feature);
    } catch (const Error& e) {
        std::remove(xml_tmp.c_str());
        std::remove(bin_tmp.c_str());
        throw Error(xml_path + ": " + e.what());
    } catch (...) {
        std::remove(xml_tmp.c_str());
        std::remove(bin_tmp.c_str());
        throw;
    }
    // Renaming leaves a mapped original intact: its pages stay with the old inode.
    if (std::rename(bin_tmp.c_str(), bin_path.c_str()) != 0 || std::rename(xml_tmp.c_str(), xml_path.c_str()) != 0) {
        int e = errno;
        std::remove(xml_tmp.c_str());
        std::remove(bin_tmp.c_str());
        fail(xml_path + ": cannot move the written files into place: " + std::strerror(e));
    }
}

}  // namespace frugal
