#pragma once
#include <string>

#include "ir/graph.h"

namespace frugal {

struct WriteOptions {
    bool external_data = false;  // ONNX only: weights to OUT.onnx.data
};

// Writes a model by its file name: .onnx (ONNX) or .xml (OpenVINO IR v11 with .bin beside it).
void write_model(const Model& model, const std::string& path, const WriteOptions& options = {});

}  // namespace frugal
