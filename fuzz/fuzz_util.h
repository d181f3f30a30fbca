#pragma once
// Shared by the fuzz targets: inputs that must be files are written to a private folder in
// /dev/shm (memory, not disk), and frugal::Error is the one acceptable way to refuse an input.
// Anything else escaping a target (std::bad_alloc, std::out_of_range, a crash, a sanitizer
// report) is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

#include "ir/limits.h"

namespace frugal::fuzz {

// A per-process folder; libFuzzer runs one input at a time per process.
inline const std::filesystem::path& scratch_dir() {
    static const std::filesystem::path dir = [] {
        std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
        std::filesystem::path d = base / ("frugal-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        // Models that need more memory than a fuzzing process may use are refused like models
        // too large for the machine, so that the limit is the reader's, not libFuzzer's rss limit.
        set_allocation_limit(size_t(512) << 20);
        return d;
    }();
    return dir;
}

inline std::filesystem::path write_file(const std::string& name, std::string_view bytes) {
    std::filesystem::path p = scratch_dir() / name;
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
    return p;
}

// Splits at the first NUL byte: text formats (XML, JSON, merges.txt) cannot contain one, so the
// seeds are "first\0second" and mutations may move the boundary.
inline std::pair<std::string_view, std::string_view> split_at_nul(const uint8_t* data, size_t size) {
    std::string_view all(reinterpret_cast<const char*>(data), size);
    size_t nul = all.find('\0');
    if (nul == std::string_view::npos) return {all, {}};
    return {all.substr(0, nul), all.substr(nul + 1)};
}

}  // namespace frugal::fuzz
