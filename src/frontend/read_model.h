#pragma once
#include <string>

#include "ir/graph.h"

namespace frugal {

// Reads a model by its file name: .onnx (ONNX) or .xml (OpenVINO IR with its .bin beside it).
Model read_model(const std::string& path);

}  // namespace frugal
