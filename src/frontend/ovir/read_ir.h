#pragma once
// Reads an OpenVINO IR model (.xml topology + .bin weights, IR v10 and v11) into frugal's graph.
// The .bin is memory-mapped once and every Const becomes a read-only view into it, so the
// weights are never copied (DESIGN.md, memory contract 1). OpenVINO ops become ONNX opset 21
// nodes, decomposed where ONNX has no single equivalent (MVN, StridedSlice, ...). Errors name the
// file and the layer (id, name and type).
#include <string>

#include "ir/graph.h"

namespace frugal {

// The weights are read from the .bin beside the .xml (same stem).
Model read_ir(const std::string& xml_path);
Model read_ir(const std::string& xml_path, const std::string& bin_path);

}  // namespace frugal
