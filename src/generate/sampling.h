#pragma once
// Choosing the next token from a model's logits: greedy, or sampling with temperature, top-k and
// top-p (nucleus) from a seeded generator. The same seed and logits give the same tokens on every
// machine: the generator is std::mt19937_64 (its sequence is fixed by the standard) and uniform
// numbers are made from its bits here, not by a library distribution.
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace frugal::generate {

struct SamplingOptions {
    bool greedy = false;       // argmax; the fields below are then ignored
    double temperature = 1.0;  // > 0; logits are divided by it
    int top_k = 0;             // keep the k most likely tokens; 0 keeps all
    double top_p = 1.0;        // in (0, 1]; keep the fewest most likely tokens whose mass is >= top_p
    uint64_t seed = 0;
};

// Throws frugal::Error for temperature <= 0 (greedy is the way to ask for that), top_k < 0 and
// top_p outside (0, 1]. Greedy options are always valid.
void validate(const SamplingOptions& options);

// The lowest id among the largest logits. Throws for empty logits or a NaN.
int32_t argmax_token(std::span<const float> logits);

// The distribution a sampler draws from: (token, probability) pairs, most likely first (lower id
// first among equals), probabilities summing to 1 over the kept tokens. Greedy gives one token.
// Logits may be -inf (the token is never chosen); NaN or +inf, or no finite logit, throw.
std::vector<std::pair<int32_t, double>> sampling_distribution(std::span<const float> logits, const SamplingOptions& options);

// A uniform double in [0, 1) from the top 53 bits of one draw.
double uniform_unit(std::mt19937_64& rng);

class Sampler {
public:
    explicit Sampler(const SamplingOptions& options);  // validates
    int32_t next(std::span<const float> logits);      // one draw per call when not greedy
    const SamplingOptions& options() const { return options_; }

private:
    SamplingOptions options_;
    std::mt19937_64 rng_;
};

}  // namespace frugal::generate
