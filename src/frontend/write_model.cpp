#include "frontend/write_model.h"

#include <filesystem>

#include "frontend/onnx/write_onnx.h"
#include "frontend/ovir/write_ir.h"
#include "ir/error.h"

namespace frugal {

void write_model(const Model& model, const std::string& path, const WriteOptions& options) {
    std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".onnx") {
        OnnxWriteOptions o;
        o.external_data = options.external_data;
        write_onnx(model, path, o);
        return;
    }
    if (ext == ".xml") {
        write_ir(model, path);
        return;
    }
    fail(path + ": unknown output format '" + ext + "' (expected .onnx, or .xml for OpenVINO IR)");
}

}  // namespace frugal
