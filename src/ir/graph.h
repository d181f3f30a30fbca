#pragma once
// The graph IR: values and nodes are plain structs in arrays and refer to each other by integer
// ids. Nodes are kept in topological order; passes append new nodes, mark replaced ones dead and
// call compact(), which also renumbers.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/attribute.h"
#include "ir/tensor.h"
#include "ops/op_kind.h"

namespace frugal {

using ValueId = int32_t;
using NodeId = int32_t;
constexpr int32_t kNoId = -1;  // an omitted optional input, or a value with no producer

struct Value {
    std::string name;
    DType dtype = DType::undefined;
    PartialShape shape;
    NodeId producer = kNoId;
    std::optional<Tensor> constant;  // set for initializers and folded constants
    bool is_constant() const { return constant.has_value(); }
};

struct Node {
    std::string name;
    OpKind op = OpKind::Identity;
    int64_t opset = 0;  // the opset version of the node's domain in its model
    std::vector<ValueId> inputs;  // kNoId for omitted optional inputs
    std::vector<ValueId> outputs;
    Attributes attrs;
    bool dead = false;

    // "node 'name' (Op)" for error messages.
    std::string context() const;
    bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != kNoId; }
};

struct Graph {
    std::vector<Value> values;
    std::vector<Node> nodes;
    std::vector<ValueId> inputs;   // runtime inputs (not initializers)
    std::vector<ValueId> outputs;

    ValueId add_value(const std::string& name, DType t = DType::undefined, PartialShape s = {});
    ValueId add_constant(const std::string& name, Tensor t);
    // Appends a node; its outputs get this node as producer. Call topological_sort() (or keep
    // appending in order) before running.
    NodeId add_node(Node n);
    // A name not yet used by any value, built from `base`.
    std::string unique_value_name(const std::string& base);

    std::optional<ValueId> find_value(const std::string& name) const;
    // For each value, the nodes that read it (live nodes only, in order, one entry per use).
    std::vector<std::vector<NodeId>> consumers() const;
    bool is_graph_output(ValueId v) const;

    // Reorders live nodes topologically; throws naming a node on a cycle.
    void topological_sort();
    // Drops dead nodes and values no live node, input or output refers to; renumbers ids.
    void compact();
    // Makes every use of `from` (node inputs and graph outputs) read `to` instead.
    void replace_all_uses(ValueId from, ValueId to);

    size_t live_node_count() const;
};

struct Model {
    Graph graph;
    std::map<std::string, int64_t> opsets;  // domain ("" for ai.onnx) -> version
    int64_t ir_version = 8;
    std::string producer_name;
    std::string path;  // the file it was read from, for error messages
    std::map<std::string, std::string> metadata;

    int64_t default_opset() const;
};

}  // namespace frugal
