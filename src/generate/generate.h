#pragma once
// The generate loop: a prefill over the prompt, then one-token decode steps. A model with a KV
// cache (inputs past_key_values.*, outputs present.*, the common ONNX decoder naming) feeds each
// step's present back as the next past; a model without one recomputes the whole sequence for
// every token (and says so in the result).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "compile/compile.h"

namespace frugal::generate {

// Chooses the next token from the last position's logits [vocab] (greedy or a seeded sampler).
using ChooseNext = std::function<int64_t(std::span<const float> logits)>;

struct GenerateOptions {
    int64_t max_new_tokens = 16;
    ChooseNext choose_next;   // required
    int64_t stop_token = -1;  // stop after generating it (-1: never)
    bool time_ops = false;    // fill GenerateResult::decode_op_seconds
};

struct GenerateResult {
    std::vector<int64_t> new_ids;
    bool cached = false;                 // false: every token recomputed the whole sequence
    bool cache_in_place = false;         // the cache is a session state appended in place
    std::string cache_note;              // why it is not, when the model has a cache
    double time_to_first_token_s = 0;    // the prefill, including planning
    std::vector<double> decode_step_s;   // one per token after the first
    std::map<std::string, double> decode_op_seconds;  // with time_ops: per op over the decode steps
};

// What the loop needs to know about a decoder model's interface.
struct DecoderInterface {
    std::string token_input;             // token_ids / input_ids
    std::string logits_output;
    std::vector<std::pair<std::string, std::string>> cache;  // (past input, present output)
    std::string attention_mask_input;    // optional: ones over past + new positions
    std::string position_ids_input;      // optional: past .. past + new - 1
    int64_t vocab = -1;                  // the logits' last dim, when static
    int64_t max_positions = -1;          // from the model's metadata, when it says
};

DecoderInterface describe_decoder(const Model& model);

GenerateResult run_generate(std::shared_ptr<const compile::CompiledModel> model, const DecoderInterface& decoder,
                            const std::vector<int64_t>& prompt, const GenerateOptions& options,
                            const std::function<void(int64_t)>& on_token = {});

}  // namespace frugal::generate
