// The memory contract through the offline pipeline, measured: after it, the distinct buffers
// behind the constants add up to at most the loaded weights W (nothing is held twice), and
// during it the peak RSS above the loaded model stays under the largest single weight.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "frontend/onnx/read_onnx.h"
#include "frontend/onnx/write_onnx.h"
#include "models/keras_gpt2.h"
#include "profile/memory.h"
#include "sanitized.h"
#include "transform/offline.h"

using namespace frugal;

namespace {

struct Weights {
    size_t total = 0;
    size_t largest = 0;
    size_t distinct_storage = 0;  // bytes of the distinct buffers behind all constants
};

Weights measure(const Graph& g) {
    Weights w;
    std::set<const Buffer*> roots;
    for (const Value& v : g.values) {
        if (!v.is_constant()) continue;
        w.total += v.constant->nbytes();
        w.largest = std::max(w.largest, v.constant->nbytes());
        if (v.constant->buffer && roots.insert(v.constant->buffer->root()).second) w.distinct_storage += v.constant->buffer->root()->size();
    }
    return w;
}

// A GPT-2 large enough for RSS to see its weights (about 21 MB) and small enough for a unit test.
Model written_and_read(bool external) {
    Gpt2Config c{4, 256, 4, 1024, 8000, 256};
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("frugal_offline_memory_" + std::to_string(external));
    std::filesystem::create_directories(dir);
    std::string path = (dir / "model.onnx").string();
    {
        OnnxWriteOptions o;
        o.external_data = external;
        write_onnx(make_keras_gpt2(c, 1, false), path, o);
    }
    profile::trim_heap();
    return read_onnx(path);
}

void check_pipeline(bool external) {
    Model m = written_and_read(external);
    Weights loaded = measure(m.graph);
    ASSERT_GT(loaded.total, size_t(20) << 20);
    // Mapped weights become resident when first read; read them now so that the loaded model's
    // RSS includes them, as it does for embedded weights (the page cache is not extra memory).
    volatile unsigned sink = 0;
    for (const Value& v : m.graph.values)
        if (v.is_constant())
            for (size_t i = 0; i < v.constant->nbytes(); i += 4096) sink = sink + unsigned(v.constant->raw()[i]);
    int64_t loaded_rss_kb = profile::sample_memory().rss_kb;

    transform::OfflineOptions options;
    options.manager.measure_memory = true;
    auto records = transform::offline(m, options);
    ASSERT_TRUE(profile::reset_peak()) << "cannot reset VmHWM (/proc/self/clear_refs)";

    Weights after = measure(m.graph);
    EXPECT_LE(after.total, loaded.total);
    // A mapped external-data file counts whole (with its 64-byte alignment padding).
    size_t padding = external ? 64 * 512 : 0;
    EXPECT_LE(after.distinct_storage, loaded.total + padding) << "a weight is held twice";
    int64_t peak_kb = 0;
    for (const auto& r : records) peak_kb = std::max(peak_kb, r.peak_kb);
    // Under a sanitizer the resident set also holds its quarantine of freed memory.
    if (!kSanitized) {
        EXPECT_LT((peak_kb - loaded_rss_kb) * 1024, int64_t(loaded.largest))
            << "peak " << peak_kb << " kB, loaded " << loaded_rss_kb << " kB, largest weight " << loaded.largest << " bytes";
    }
}

TEST(OfflineMemory, EmbeddedWeightsAreNeverHeldTwice) { check_pipeline(false); }
TEST(OfflineMemory, MappedWeightsAreNeverHeldTwice) { check_pipeline(true); }

}  // namespace
