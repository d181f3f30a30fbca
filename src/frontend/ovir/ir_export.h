#pragma once
// What the IR writer hands to the per-op exporter (ir_op_export.cpp): layers are collected in
// memory (so that tensor names can be attached to ports until the end) and constants go to the
// .bin as they are first used, each 64-byte aligned.
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace frugal::ovir {

struct PortRef {
    size_t layer = 0;
    size_t output = 0;  // index among the layer's outputs
};

struct OutLayer {
    struct Output {
        DType dtype = DType::undefined;
        PartialShape shape;
        std::vector<std::string> names;
    };
    std::string name, type, version;
    std::vector<std::pair<std::string, std::string>> data;  // <data> attributes, in order
    std::vector<PortRef> inputs;
    std::vector<Output> outputs;
};

using DataAttrs = std::vector<std::pair<std::string, std::string>>;

// Appends tensors to the .bin; one tensor's bytes are written once even if several values use it.
class BinWriter {
public:
    explicit BinWriter(const std::string& path);
    // Returns the offset of the tensor's bytes.
    uint64_t write(const Tensor& t);
    void close();

private:
    std::ofstream out_;
    std::string path_;
    uint64_t size_ = 0;
    std::map<std::pair<const std::byte*, size_t>, uint64_t> written_;
    std::vector<Tensor> pinned_;
};

class ExportContext {
public:
    ExportContext(const Graph& g, BinWriter& bin) : graph(g), bin_(bin) {}

    const Graph& graph;
    const Node* node = nullptr;  // the node being exported
    std::vector<OutLayer> layers;

    [[noreturn]] void fail(const std::string& message) const;  // prefixed with the node context

    const Value& value(ValueId v) const { return graph.values[size_t(v)]; }
    // The port that holds value v; a constant becomes a Const layer on its first use.
    PortRef port(ValueId v);
    bool is_bound(ValueId v) const { return bound_.count(v) != 0; }
    // Node output v is port p from now on; v's name joins the port's tensor names.
    void bind(ValueId v, PortRef p);

    // Adds a layer (named after the current node, with `suffix` for helper layers) and returns
    // its output ports.
    std::vector<PortRef> layer(const std::string& type, const std::string& version, const std::string& suffix,
                               DataAttrs data, std::vector<PortRef> inputs, std::vector<OutLayer::Output> outputs);
    PortRef layer1(const std::string& type, const std::string& version, const std::string& suffix, DataAttrs data,
                   std::vector<PortRef> inputs, DType t, PartialShape s);

    PortRef const_tensor(const std::string& name, const Tensor& t);
    PortRef const_i64(const std::string& suffix, const std::vector<int64_t>& v);
    PortRef const_i64_scalar(const std::string& suffix, int64_t v);
    PortRef const_scalar(const std::string& suffix, DType t, double v);

    const OutLayer::Output& port_type(PortRef p) const { return layers[p.layer].outputs[p.output]; }
    std::string unique_layer_name(const std::string& base);

private:
    BinWriter& bin_;
    std::map<ValueId, PortRef> bound_;
    std::unordered_set<std::string> layer_names_;
};

// Adds the layers for one frugal node; fails naming the node if OpenVINO has no equivalent.
void export_node(ExportContext& ctx, const Node& node);

}  // namespace frugal::ovir
