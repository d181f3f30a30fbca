#pragma once
// What the IR reader hands to the per-op translators (ir_op_mapping*.cpp): one parsed <layer>,
// the graph values feeding its input ports, and helpers that add frugal nodes and constants in
// the layer's name. Every node it creates follows ONNX opset 21 (axes as inputs, ...).
#include <pugixml.hpp>

#include <string>
#include <unordered_set>
#include <vector>

#include "ir/graph.h"

namespace frugal::ovir {

struct IrPort {
    int64_t id = 0;
    DType dtype = DType::undefined;  // output ports only; input ports carry no reliable type
    PartialShape shape;
    std::vector<std::string> names;  // tensor names of an output port
};

struct IrLayer {
    int64_t id = 0;
    std::string name;
    std::string type;
    std::string version;  // "opset8"
    int opset = 0;        // 8 for "opset8"
    pugi::xml_node xml;
    pugi::xml_node data;  // <data>, possibly empty
    std::vector<IrPort> inputs;
    std::vector<IrPort> outputs;

    // "layer 5 'name' (Type)" for error messages.
    std::string context() const;
};

// Names already given to values, so that each new one is unique (Graph::unique_value_name is
// linear per call; models have thousands of layers).
struct NameSet {
    std::unordered_set<std::string> used;
    std::string unique(const std::string& base);
};

class ImportContext {
public:
    ImportContext(Graph& g, const IrLayer& layer, std::vector<ValueId> inputs, NameSet& names);

    const IrLayer& layer;
    Graph& graph;

    [[noreturn]] void fail(const std::string& message) const;  // prefixed with the layer context
    // Valid OpenVINO that frugal does not handle (UnsupportedError, naming `feature`).
    [[noreturn]] void unsupported(const std::string& message, const std::string& feature) const;

    // Inputs.
    size_t input_count() const { return inputs_.size(); }
    ValueId in(size_t i) const;
    const Value& in_value(size_t i) const;
    DType in_dtype(size_t i) const;
    // The value's shape, or the input port's dims when the value's rank is unknown.
    PartialShape in_shape(size_t i) const;
    int64_t in_rank(size_t i) const;  // fails if unknown
    const Tensor* in_const(size_t i) const;
    // The integer contents of a constant input; fails naming `what` if it is not constant.
    std::vector<int64_t> const_ints(size_t i, const char* what) const;

    // <data> attributes.
    bool has_attr(const char* name) const;
    std::string attr(const char* name, const std::string& fallback) const;
    std::string attr_required(const char* name) const;
    int64_t attr_int(const char* name, int64_t fallback) const;
    bool attr_bool(const char* name, bool fallback) const;
    float attr_float(const char* name, float fallback) const;
    std::vector<int64_t> attr_ints(const char* name) const;  // empty when absent
    // auto_broadcast="numpy" (default) is what our ops do; "none" requires equal shapes, which
    // numpy broadcasting then handles unchanged; "pdpd" is not supported.
    void check_auto_broadcast() const;

    // Building. out(i) is the value of output port i: created on first use with the port's
    // tensor name, precision and dims.
    size_t output_count() const { return layer.outputs.size(); }
    ValueId out(size_t i);
    ValueId temp(const std::string& suffix, DType t, PartialShape s);
    ValueId const_tensor(const std::string& suffix, Tensor t);
    ValueId const_i64(const std::string& suffix, const std::vector<int64_t>& v);  // 1-D
    ValueId const_i64_scalar(const std::string& suffix, int64_t v);
    ValueId const_scalar(const std::string& suffix, DType t, double v);  // rank 0, of type t
    // The value as int64 (Cast node, or a converted copy of a small constant); ONNX wants int64
    // for shapes and axes. `rank1` also turns a scalar into a 1-element vector.
    ValueId as_i64(size_t input, bool rank1 = false);

    // Adds a node with the given outputs. The node writing the layer's outputs carries the layer's
    // name; helper nodes get the layer name with a suffix.
    void add(OpKind op, std::vector<ValueId> ins, std::vector<ValueId> outs, Attributes attrs = {});
    // Adds a node whose single output is a new temporary value.
    ValueId add_temp(OpKind op, std::vector<ValueId> ins, const std::string& suffix, DType t, PartialShape s,
                     Attributes attrs = {});
    // Adds a node writing output port 0 (the usual last step of a translation).
    ValueId add_out(OpKind op, std::vector<ValueId> ins, Attributes attrs = {});

private:
    std::vector<ValueId> inputs_;
    std::vector<ValueId> outs_;
    NameSet& names_;
    int nodes_added_ = 0;
    bool named_ = false;
};

// One OpenVINO op type and the frugal subgraph it becomes.
using Translator = std::vector<ValueId> (*)(ImportContext& ctx);
struct OpMapping {
    const char* type;   // as OpenVINO spells it; matched case-insensitively
    int since_opset;    // first opset that has it
    int min_inputs;
    int max_inputs;
    Translator translate;
};

// nullptr if frugal does not read this type.
const OpMapping* find_op_mapping(const std::string& type);

// Translators split by theme (ir_op_mapping*.cpp).
std::vector<ValueId> translate_matmul(ImportContext& ctx);
std::vector<ValueId> translate_mvn(ImportContext& ctx);
std::vector<ValueId> translate_strided_slice(ImportContext& ctx);
std::vector<ValueId> translate_slice(ImportContext& ctx);
std::vector<ValueId> translate_split(ImportContext& ctx);
std::vector<ValueId> translate_variadic_split(ImportContext& ctx);
std::vector<ValueId> translate_broadcast(ImportContext& ctx);
std::vector<ValueId> translate_reshape(ImportContext& ctx);
std::vector<ValueId> translate_squeeze(ImportContext& ctx);
std::vector<ValueId> translate_unsqueeze(ImportContext& ctx);
std::vector<ValueId> translate_transpose(ImportContext& ctx);
std::vector<ValueId> translate_concat(ImportContext& ctx);
std::vector<ValueId> translate_gather(ImportContext& ctx);
std::vector<ValueId> translate_tile(ImportContext& ctx);

}  // namespace frugal::ovir
