#include "generate/sampling.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "ir/error.h"

namespace frugal::generate {
namespace {

std::string number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

// The tokens left after temperature, top-k and top-p, with unnormalized softmax weights.
// `ids` is most likely first when a filter sorted it, and in id order otherwise (a full sort of a
// 50k vocabulary per token would cost more than the draw needs).
struct Kept {
    std::vector<int32_t> ids;
    std::vector<double> weights;
    double total = 0;
};

void check_logits(std::span<const float> logits) {
    if (logits.empty()) fail("sampling: the logits are empty");
    bool any_finite = false;
    for (size_t i = 0; i < logits.size(); ++i) {
        float v = logits[i];
        if (std::isnan(v) || v == INFINITY) fail("sampling: the logit of token " + std::to_string(i) + " is " + number(v));
        any_finite = any_finite || std::isfinite(v);
    }
    if (!any_finite) fail("sampling: every logit is -inf, so no token can be chosen");
}

Kept filter(std::span<const float> logits, const SamplingOptions& options) {
    Kept kept;
    std::vector<double> scaled(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) {
        scaled[i] = double(logits[i]) / options.temperature;
        if (std::isfinite(logits[i])) kept.ids.push_back(int32_t(i));  // -inf can never be drawn
    }
    // Most likely first, the lower id first among equals: a strict order, so results are the same
    // whatever the sort algorithm does.
    auto before = [&](int32_t a, int32_t b) { return scaled[size_t(a)] > scaled[size_t(b)] || (scaled[size_t(a)] == scaled[size_t(b)] && a < b); };
    bool sorted = false;
    if (options.top_k > 0 && size_t(options.top_k) < kept.ids.size()) {
        std::partial_sort(kept.ids.begin(), kept.ids.begin() + options.top_k, kept.ids.end(), before);
        kept.ids.resize(size_t(options.top_k));
        sorted = true;
    }

    double max_logit = -INFINITY;
    for (int32_t id : kept.ids) max_logit = std::max(max_logit, scaled[size_t(id)]);
    auto weight_of = [&](int32_t id) { return std::exp(scaled[size_t(id)] - max_logit); };

    if (options.top_p < 1.0) {
        double total = 0;
        for (int32_t id : kept.ids) total += weight_of(id);
        // Sort a growing prefix until it holds the mass; the nucleus is usually small.
        size_t n = kept.ids.size();
        size_t keep = n;
        for (size_t m = std::min<size_t>(64, n);; m = std::min(m * 16, n)) {
            if (!sorted) std::partial_sort(kept.ids.begin(), kept.ids.begin() + std::ptrdiff_t(m), kept.ids.end(), before);
            double mass = 0;
            size_t i = 0;
            while (i < m && mass < options.top_p * total) mass += weight_of(kept.ids[i++]);
            if (mass >= options.top_p * total || m == n) {
                keep = std::max<size_t>(i, 1);
                break;
            }
        }
        kept.ids.resize(keep);
        sorted = true;
    }

    kept.weights.reserve(kept.ids.size());
    for (int32_t id : kept.ids) {
        kept.weights.push_back(weight_of(id));
        kept.total += kept.weights.back();
    }
    return kept;
}

}  // namespace

void validate(const SamplingOptions& options) {
    if (options.greedy) return;
    if (!(options.temperature > 0) || !std::isfinite(options.temperature)) {
        fail("sampling: temperature must be a finite number > 0, found " + number(options.temperature) +
             "; for temperature 0 use greedy decoding");
    }
    if (options.top_k < 0) fail("sampling: top_k must be >= 0 (0 keeps every token), found " + std::to_string(options.top_k));
    if (!(options.top_p > 0 && options.top_p <= 1)) {
        fail("sampling: top_p must be in (0, 1] (1 keeps every token), found " + number(options.top_p));
    }
}

int32_t argmax_token(std::span<const float> logits) {
    if (logits.empty()) fail("sampling: the logits are empty");
    size_t best = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
        if (std::isnan(logits[i])) fail("sampling: the logit of token " + std::to_string(i) + " is nan");
        if (logits[i] > logits[best]) best = i;  // strict: the lowest id wins ties
    }
    return int32_t(best);
}

std::vector<std::pair<int32_t, double>> sampling_distribution(std::span<const float> logits, const SamplingOptions& options) {
    validate(options);
    check_logits(logits);
    if (options.greedy) return {{argmax_token(logits), 1.0}};
    Kept kept = filter(logits, options);
    std::vector<std::pair<int32_t, double>> out;
    out.reserve(kept.ids.size());
    for (size_t i = 0; i < kept.ids.size(); ++i) out.emplace_back(kept.ids[i], kept.weights[i] / kept.total);
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return out;
}

double uniform_unit(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }

Sampler::Sampler(const SamplingOptions& options) : options_(options), rng_(options.seed) { validate(options_); }

int32_t Sampler::next(std::span<const float> logits) {
    check_logits(logits);
    if (options_.greedy) return argmax_token(logits);
    Kept kept = filter(logits, options_);
    double target = uniform_unit(rng_) * kept.total;
    double mass = 0;
    int32_t last_possible = kept.ids.front();
    for (size_t i = 0; i < kept.ids.size(); ++i) {
        if (kept.weights[i] == 0) continue;
        mass += kept.weights[i];
        last_possible = kept.ids[i];
        if (mass > target) return kept.ids[i];
    }
    return last_possible;  // rounding left the target at the very top of the mass
}

}  // namespace frugal::generate
