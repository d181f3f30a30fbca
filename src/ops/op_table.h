#pragma once
// One contract per op (OpenVINO's habit, without the class hierarchy): a function that infers
// output types and shapes from what is known of the inputs, and a reference `evaluate` in plain
// loops. The reference evaluate is the oracle: optimized kernels and passes are tested against it,
// and constant folding calls it.
#include <span>
#include <vector>

#include "ir/graph.h"

namespace frugal {

// What a graph knows of one input or output of a node.
struct ValueType {
    bool present = true;           // false for an omitted optional input
    DType dtype = DType::undefined;
    PartialShape shape;            // may be of unknown rank
    const Tensor* constant = nullptr;  // set when the value is a constant (for Reshape's shape, ...)
};

// Fills outputs[i].dtype and .shape. Throws frugal::Error (without node context; the caller adds
// it) when the inputs do not fit the op.
using InferFn = void (*)(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs);
// Computes outputs from inputs. inputs[i] is nullptr for an omitted optional input. Each output is
// assigned a new Tensor (or a view of an input, for view ops). Throws frugal::Error on bad input.
using EvaluateFn = void (*)(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs);

struct OpInfo {
    OpKind kind;
    const char* name;
    InferFn infer;
    EvaluateFn evaluate;
    int min_inputs;
    int max_inputs;  // -1: variadic
};

const OpInfo& op_info(OpKind k);

// Runs the op's inference with node context in errors.
void infer_node(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs);
// Runs the op's reference evaluate with node context in errors.
void evaluate_node(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs);
// Infers every node of the graph in order and writes the results to its output values.
void infer_graph(Graph& g);

}  // namespace frugal
