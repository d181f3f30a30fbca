#pragma once
#include <string>

#include "ir/error.h"
#include "ir/graph.h"

namespace frugal {

// Reads an ONNX model. Embedded weights are moved out of the parsed message; external data is
// memory-mapped. Infers and verifies the graph; errors name the file, node and op.
Model read_onnx(const std::string& path);

}  // namespace frugal
