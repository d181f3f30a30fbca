// OpenVINO IR reader: "<xml>\0<weights>" -> Model or frugal::Error.
#include <cstdint>

#include "frontend/ovir/read_ir.h"
#include "fuzz_util.h"
#include "ir/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto [xml, bin] = frugal::fuzz::split_at_nul(data, size);
    std::string xml_path = frugal::fuzz::write_file("model.xml", xml).string();
    std::string bin_path = frugal::fuzz::write_file("model.bin", bin).string();
    try {
        frugal::read_ir(xml_path, bin_path);
    } catch (const frugal::Error&) {
    }
    return 0;
}
