#include "frontend/read_model.h"

#include <filesystem>
#include <fstream>

#include "frontend/onnx/read_onnx.h"
#include "frontend/ovir/read_ir.h"
#include "ir/error.h"

namespace frugal {

Model read_model(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".onnx") return read_onnx(path);
    if (ext == ".xml") return read_ir(path);
    // A compiled file holds a compiled plan, not a Model; the commands that run models open it
    // with compile::load_compiled before they get here.
    if (ext == ".frugal") {
        char magic[8] = {};
        std::ifstream f(path, std::ios::binary);
        if (f.read(magic, 8) && std::string(magic, 8) == "FRUGALCM")
            fail(path + ": is a compiled frugal file; this command needs the source model (.onnx or .xml)");
        fail(path + ": not a compiled frugal file (no FRUGALCM magic at its start)");
    }
    fail(path + ": unknown model format '" + ext + "' (expected .onnx, or .xml for OpenVINO IR)");
}

}  // namespace frugal
