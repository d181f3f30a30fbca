#include "frontend/read_model.h"

#include <filesystem>

#include "frontend/onnx/read_onnx.h"
#include "frontend/ovir/read_ir.h"
#include "ir/error.h"

namespace frugal {

Model read_model(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".onnx") return read_onnx(path);
    if (ext == ".xml") return read_ir(path);
    fail(path + ": unknown model format '" + ext + "' (expected .onnx, or .xml for OpenVINO IR)");
}

}  // namespace frugal
