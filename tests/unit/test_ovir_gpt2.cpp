// The Keras-style GPT-2 (tiny) through OpenVINO IR: as built, with the KV cache, and after the
// offline passes (what `frugal convert -o model.xml` writes). The logits must match the model
// that was written, and the weights read back must be views of the .bin, each written once.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "frontend/ovir/read_ir.h"
#include "frontend/ovir/write_ir.h"
#include "models/keras_gpt2.h"
#include "ovir_ir_text.h"
#include "runtime/reference_executor.h"
#include "transform/offline.h"

using namespace frugal;

namespace {

TensorMap gpt2_inputs(const Model& m, const Gpt2Config& c, int64_t past) {
    TensorMap in;
    in["token_ids"] = Tensor::from_vector<int64_t>({1, 5}, {17, 3, 999, 0, 512});
    for (int64_t i = 0; i < c.layers && past >= 0 && m.graph.inputs.size() > 1; ++i) {
        for (const char* which : {"key", "value"}) {
            Tensor t = Tensor::empty(DType::f32, {1, c.heads, past, c.head_dim()});
            for (int64_t k = 0; k < t.numel(); ++k) t.mutable_data<float>()[k] = 0.01f * float((k * 7 + i) % 13) - 0.06f;
            in["past_key_values." + std::to_string(i) + "." + which] = t;
        }
    }
    return in;
}

void expect_close(const TensorMap& want, const TensorMap& got) {
    ASSERT_EQ(want.size(), got.size());
    for (const auto& [name, t] : want) {
        ASSERT_TRUE(got.count(name)) << name;
        const Tensor& g = got.at(name);
        ASSERT_EQ(t.shape, g.shape) << name;
        double worst = 0;
        for (int64_t i = 0; i < t.numel(); ++i) worst = std::max(worst, std::fabs(t.double_at(i) - g.double_at(i)));
        EXPECT_LT(worst, 2e-5) << name;
    }
}

// Bytes of the distinct constants of at least 1 KiB (the weights).
size_t weight_bytes(const Model& m) {
    size_t bytes = 0;
    std::set<const std::byte*> seen;
    for (const Value& v : m.graph.values)
        if (v.constant && v.constant->nbytes() >= 1024 && seen.insert(v.constant->raw()).second) bytes += v.constant->nbytes();
    return bytes;
}

// The model read back holds each weight once, as a view of the mapped .bin, and the .bin holds
// what the written model held: its weights plus small constants and alignment, nothing twice.
void expect_weights_mapped(const Model& written, const Model& back, const std::string& bin_path) {
    for (const Value& v : back.graph.values) {
        if (v.constant && v.constant->nbytes() >= 1024) {
            EXPECT_EQ(v.constant->buffer->root()->kind(), Buffer::Kind::mapped) << v.name;
        }
    }
    EXPECT_EQ(weight_bytes(back), weight_bytes(written));
    EXPECT_LT(std::filesystem::file_size(bin_path), weight_bytes(written) * 102 / 100);
}

}  // namespace

TEST(OvIrGpt2, TinyAsBuilt) {
    Gpt2Config c = gpt2_config("tiny");
    Model m = make_keras_gpt2(c, 7, false);
    TempDir dir;
    write_ir(m, dir.file("gpt2.xml"));
    Model back = read_ir(dir.file("gpt2.xml"));
    EXPECT_EQ(back.graph.values[size_t(back.graph.inputs[0])].shape.to_string(), "[?,?]");
    TensorMap in = gpt2_inputs(m, c, -1);
    expect_close(run_reference(m, in), run_reference(back, in));
    expect_weights_mapped(m, back, dir.file("gpt2.bin"));
    EXPECT_GE(weight_bytes(m), size_t(gpt2_parameter_count(c)) * 4 * 99 / 100);  // biases under 1 KiB aside
}

TEST(OvIrGpt2, TinyWithKvCache) {
    Gpt2Config c = gpt2_config("tiny");
    Model m = make_keras_gpt2(c, 7, true);
    TempDir dir;
    write_ir(m, dir.file("gpt2_kv.xml"));
    Model back = read_ir(dir.file("gpt2_kv.xml"));
    ASSERT_EQ(back.graph.outputs.size(), m.graph.outputs.size());
    for (int64_t past : {0, 3}) {
        TensorMap in = gpt2_inputs(m, c, past);
        expect_close(run_reference(m, in), run_reference(back, in));
    }
}

TEST(OvIrGpt2, TinyAfterOfflinePasses) {
    Gpt2Config c = gpt2_config("tiny");
    Model original = make_keras_gpt2(c, 7, false);
    Model converted = make_keras_gpt2(c, 7, false);
    transform::offline(converted);
    TempDir dir;
    write_ir(converted, dir.file("converted.xml"));
    Model back = read_ir(dir.file("converted.xml"));
    TensorMap in = gpt2_inputs(original, c, -1);
    expect_close(run_reference(original, in), run_reference(back, in));
    expect_weights_mapped(converted, back, dir.file("converted.bin"));
    // Read, write again over the same files, read: still the same numbers.
    write_ir(back, dir.file("converted.xml"));
    Model again = read_ir(dir.file("converted.xml"));
    expect_close(run_reference(original, in), run_reference(again, in));
}
