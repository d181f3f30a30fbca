#include "generate/generate.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string_view>

#include "ir/error.h"
#include "runtime/session.h"

namespace frugal::generate {

namespace {

const Value* find_input(const Model& m, const std::string& name) {
    for (ValueId id : m.graph.inputs)
        if (m.graph.values[size_t(id)].name == name) return &m.graph.values[size_t(id)];
    return nullptr;
}

bool has_output(const Model& m, const std::string& name) {
    for (ValueId id : m.graph.outputs)
        if (m.graph.values[size_t(id)].name == name) return true;
    return false;
}

// An empty past for one cache input: its declared shape with batch 1 and sequence 0.
Tensor empty_past(const Value& v) {
    if (!v.shape.rank_known || v.shape.rank() != 4)
        fail("cache input '" + v.name + "' must be [batch, heads, past_seq, head_dim], got " + v.shape.to_string());
    Shape s = v.shape.dims;
    if (s[1] < 0 || s[3] < 0) fail("cache input '" + v.name + "' needs static heads and head_dim, got " + v.shape.to_string());
    s[0] = 1;
    s[2] = 0;
    return Tensor::empty(v.dtype, s);
}

Tensor row_vector(const std::vector<int64_t>& v) { return Tensor::from_vector<int64_t>({1, int64_t(v.size())}, v); }

}  // namespace

DecoderInterface describe_decoder(const Model& m) {
    DecoderInterface d;
    for (const char* name : {"token_ids", "input_ids"})
        if (find_input(m, name)) d.token_input = name;
    if (d.token_input.empty()) fail(m.path + ": no token input (expected 'token_ids' or 'input_ids')");
    d.logits_output = has_output(m, "logits") ? "logits" : m.graph.values[size_t(m.graph.outputs.at(0))].name;
    const std::string past_prefix = "past_key_values";
    for (ValueId id : m.graph.inputs) {
        const std::string& name = m.graph.values[size_t(id)].name;
        if (name.rfind(past_prefix, 0) != 0) continue;
        std::string present = "present" + name.substr(past_prefix.size());
        if (!has_output(m, present)) fail(m.path + ": cache input '" + name + "' has no matching output '" + present + "'");
        d.cache.push_back({name, present});
    }
    if (find_input(m, "attention_mask")) d.attention_mask_input = "attention_mask";
    if (find_input(m, "position_ids")) d.position_ids_input = "position_ids";
    for (ValueId id : m.graph.outputs) {
        const Value& v = m.graph.values[size_t(id)];
        if (v.name == d.logits_output && v.shape.rank_known && !v.shape.dims.empty()) d.vocab = v.shape.dims.back();
    }
    // "max_positions=N" in the model's metadata, read by hand: std::regex recursed once per digit
    // (a long run overflowed the stack) and std::stoll threw std::out_of_range past int64.
    auto it = m.metadata.find("frugal.config");
    static constexpr std::string_view kKey = "max_positions=";
    if (it != m.metadata.end()) {
        const std::string& config = it->second;
        for (size_t p = config.find(kKey); p != std::string::npos; p = config.find(kKey, p + 1)) {
            size_t begin = p + kKey.size(), end = begin;
            int64_t n = 0;
            while (end < config.size() && std::isdigit(static_cast<unsigned char>(config[end]))) {
                if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, config[end] - '0', &n))
                    fail(m.path + ": metadata frugal.config: max_positions is too large");
                ++end;
            }
            if (end == begin) continue;
            d.max_positions = n;
            break;
        }
    }
    return d;
}

GenerateResult run_generate(std::shared_ptr<const compile::CompiledModel> model, const DecoderInterface& d,
                            const std::vector<int64_t>& prompt, const GenerateOptions& o,
                            const std::function<void(int64_t)>& on_token) {
    const Model& m = model->model;
    if (prompt.empty()) fail("the prompt is empty");
    if (o.max_new_tokens < 0) fail("--max-new-tokens must not be negative");
    for (int64_t id : prompt)
        if (id < 0 || (d.vocab > 0 && id >= d.vocab))
            fail("prompt token id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(d.vocab) + ")");
    if (d.max_positions > 0 && int64_t(prompt.size()) + o.max_new_tokens > d.max_positions)
        fail("the prompt (" + std::to_string(prompt.size()) + " tokens) plus " + std::to_string(o.max_new_tokens) +
             " new tokens exceed the model's maximum of " + std::to_string(d.max_positions) + " positions");
    if (!o.choose_next) fail("run_generate needs a way to choose the next token");

    Session session(model);
    GenerateResult r;
    r.cached = !d.cache.empty();
    // The cache lives in the session, appended in place, when the graph allows; otherwise each
    // step's present comes out and goes back in as the next past.
    if (r.cached) {
        std::string why;
        r.cache_in_place = session.use_states(d.cache, int64_t(prompt.size()) + o.max_new_tokens, &why);
        if (!r.cache_in_place) r.cache_note = "the KV cache goes through the model's inputs and outputs: " + why;
    }
    std::vector<int64_t> sequence = prompt;
    TensorMap past;
    if (!r.cache_in_place)
        for (const auto& [in, out] : d.cache) past[in] = empty_past(*find_input(m, in));
    int64_t past_len = 0;
    while (int64_t(r.new_ids.size()) < o.max_new_tokens) {
        auto start = std::chrono::steady_clock::now();
        // With a cache only the tokens the cache has not seen go in; without, all of them.
        std::vector<int64_t> step(sequence.begin() + (r.cached ? past_len : 0), sequence.end());
        TensorMap feed = past;
        feed[d.token_input] = row_vector(step);
        int64_t first_position = r.cached ? past_len : 0;
        if (!d.attention_mask_input.empty()) feed[d.attention_mask_input] = row_vector(std::vector<int64_t>(size_t(first_position) + step.size(), 1));
        if (!d.position_ids_input.empty()) {
            std::vector<int64_t> pos(step.size());
            for (size_t i = 0; i < pos.size(); ++i) pos[i] = first_position + int64_t(i);
            feed[d.position_ids_input] = row_vector(pos);
        }
        // The prefill is not a decode step: timing starts with the second token.
        session.set_timing(o.time_ops && !r.new_ids.empty());
        TensorMap out = session.run(feed);
        const Tensor& logits = out.at(d.logits_output);
        if (logits.dtype != DType::f32 || logits.rank() != 3 || logits.shape[1] != int64_t(step.size()))
            fail("output '" + d.logits_output + "' must be float32 [1, seq, vocab], got " + dtype_name(logits.dtype) + shape_to_string(logits.shape));
        int64_t vocab = logits.shape[2];
        const float* last = logits.data<float>() + (int64_t(step.size()) - 1) * vocab;
        int64_t next = o.choose_next(std::span<const float>(last, size_t(vocab)));
        if (r.cached) {
            past_len += int64_t(step.size());
            if (!r.cache_in_place)
                for (const auto& [in, present] : d.cache) past[in] = std::move(out.at(present));
        }
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (r.new_ids.empty()) r.time_to_first_token_s = seconds;
        else r.decode_step_s.push_back(seconds);
        r.new_ids.push_back(next);
        sequence.push_back(next);
        if (on_token) on_token(next);
        if (next == o.stop_token) break;
    }
    r.decode_op_seconds = session.step_seconds();
    return r;
}

}  // namespace frugal::generate
