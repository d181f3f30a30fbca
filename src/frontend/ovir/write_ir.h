#pragma once
// Writes a model as OpenVINO IR v11: the .xml at xml_path and the .bin beside it (same stem),
// each constant 64-byte aligned in the .bin. Every frugal op maps to an OpenVINO op or a few
// (LayerNormalization -> MVN, Multiply, Add; Gemm -> MatMul, Multiply, Add; ...); an op with no
// OpenVINO equivalent is an error naming the node. Files are written under temporary names and
// renamed into place, so writing over the model that was read (and is still mapped) is safe.
#include <string>

#include "ir/graph.h"

namespace frugal {

void write_ir(const Model& model, const std::string& xml_path);

}  // namespace frugal
