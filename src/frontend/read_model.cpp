#include "frontend/read_model.h"

#include <filesystem>

#include "frontend/onnx/read_onnx.h"
#include "ir/error.h"

namespace frugal {

Model read_model(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".onnx") return read_onnx(path);
    fail(path + ": unknown model format '" + ext + "' (expected .onnx)");
}

}  // namespace frugal
