#pragma once
#include <string>

#include "ir/graph.h"

namespace frugal {

struct OnnxWriteOptions {
    // Weights of at least `external_threshold` bytes go to OUT.data beside the model, 64-byte
    // aligned, and the model refers to them (ONNX external data); smaller ones stay embedded.
    bool external_data = false;
    size_t external_threshold = 1024;
};

// Writes the model as ONNX. Weights are streamed from their tensors one at a time, so writing
// copies no weight: the cost beyond the model itself is the graph message and the file buffers.
void write_onnx(const Model& model, const std::string& path, const OnnxWriteOptions& options = {});

}  // namespace frugal
