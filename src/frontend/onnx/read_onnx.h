#pragma once
#include <string>
#include <string_view>

#include "ir/error.h"
#include "ir/graph.h"

namespace frugal {

// Reads an ONNX model. Embedded weights are moved out of the parsed message; external data is
// memory-mapped. Infers and verifies the graph; errors name the file, node and op.
Model read_onnx(const std::string& path);
// The same from bytes in memory (the fuzz target's entry point); `name` stands for the file in
// errors. Such a model cannot refer to external data.
Model read_onnx_bytes(std::string_view bytes, const std::string& name);

}  // namespace frugal
