#pragma once
// The GPT-2 that Keras 3 / keras-hub builds (GPT2Backbone + tied logits), as our graph IR, with
// seeded random weights: the model this project was started for (DESIGN.md, "Keras 3 /
// keras-hub GPT-2"). Attention is written with Keras's EinsumDense / MultiHeadAttention
// equations, so compiling it exercises Einsum lowering on constant operands.
#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace frugal {

struct Gpt2Config {
    int64_t layers = 0;
    int64_t hidden = 0;
    int64_t heads = 0;
    int64_t ffn = 0;
    int64_t vocab = 0;
    int64_t max_positions = 0;
    int64_t head_dim() const { return hidden / heads; }
};

// "tiny" (2 layers, hidden 64, 4 heads, FFN 256, vocab 1000), "base" (keras-hub gpt2_base_en),
// "medium" (gpt2_medium_en). Throws on any other name.
Gpt2Config gpt2_config(const std::string& size);

// Number of weights (embeddings, kernels, biases, LayerNorm gamma/beta; the tied logits add none).
int64_t gpt2_parameter_count(const Gpt2Config& c);

// Builds the model (opset 17). Input `token_ids` int64 [batch, seq]; output `logits` float32
// [batch, seq, vocab].
//
// With kv_cache, layer i also takes `past_key_values.{i}.key` and `past_key_values.{i}.value`
// float32 [batch, heads, past_seq, head_dim] and returns `present.{i}.key` / `.value`
// [batch, heads, past_seq + seq, head_dim] (the ONNX decoder convention; past_seq may be 0).
// Positions and the causal mask start at past_seq. Keras's einsums want K and V as
// [batch, seq, heads, head_dim], so the new K/V are transposed into the cache layout and the
// concatenation transposed back; once the attention Einsums are lowered to MatMuls (which want
// [batch, heads, seq, head_dim]) the two Transposes cancel.
//
// Weights: every kernel and embedding is normal(0, 0.02) as keras-hub initializes them; biases are
// normal(0, 0.02) too (keras-hub starts them at zero; random ones make a test notice a bias that
// is dropped or added on the wrong axis); LayerNorm gamma = 1, beta = 0. Each weight is drawn from
// its own stream named by the weight, so the same seed gives the same weights with and without
// the cache.
Model make_keras_gpt2(const Gpt2Config& c, uint64_t seed, bool kv_cache);

}  // namespace frugal
