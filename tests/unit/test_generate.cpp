// The generate loop: the cached model (present fed back as past) must choose exactly the tokens
// that full recomputation chooses, and the loop refuses what it cannot do.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "generate/generate.h"
#include "ir/error.h"
#include "models/keras_gpt2.h"
#include "transform/offline.h"

using namespace frugal;
using namespace frugal::generate;

namespace {

int64_t argmax(std::span<const float> v) { return int64_t(std::max_element(v.begin(), v.end()) - v.begin()); }

// Sampling by the Gumbel-max trick with noise fixed per step: deterministic for equal logits, but
// not stuck on one token (a seeded random GPT-2 with tied embeddings tends to repeat its input).
ChooseNext gumbel_sampler(uint64_t seed) {
    auto step = std::make_shared<int>(0);
    return [seed, step](std::span<const float> logits) {
        std::mt19937_64 rng(seed + uint64_t((*step)++));
        int64_t best = 0;
        double best_score = -1e300;
        for (size_t i = 0; i < logits.size(); ++i) {
            double u = (double(rng() >> 11) + 0.5) / 9007199254740992.0;
            double score = double(logits[i]) - std::log(-std::log(u));
            if (score > best_score) best_score = score, best = int64_t(i);
        }
        return best;
    };
}

std::shared_ptr<const compile::CompiledModel> compiled_gpt2(bool kv, DecoderInterface* d) {
    Model m = make_keras_gpt2(gpt2_config("tiny"), 21, kv);
    transform::offline(m);
    *d = describe_decoder(m);
    return compile::compile_model(std::move(m));
}

TEST(Generate, CachedGreedyEqualsFullRecomputation) {
    DecoderInterface with_cache, without_cache;
    auto cached = compiled_gpt2(true, &with_cache);
    auto plain = compiled_gpt2(false, &without_cache);
    EXPECT_EQ(with_cache.cache.size(), 4u);
    EXPECT_TRUE(without_cache.cache.empty());
    EXPECT_EQ(with_cache.max_positions, 1024);
    GenerateOptions o;
    o.max_new_tokens = 64;
    std::vector<int64_t> prompt = {17, 4, 999, 250, 3};
    o.choose_next = argmax;
    EXPECT_EQ(run_generate(cached, with_cache, prompt, o).new_ids, run_generate(plain, without_cache, prompt, o).new_ids);
    // Sampled, so the sequences vary; fewer tokens keep the test quick.
    o.max_new_tokens = 24;
    o.choose_next = gumbel_sampler(5);
    GenerateResult a = run_generate(cached, with_cache, prompt, o);
    o.choose_next = gumbel_sampler(5);
    GenerateResult b = run_generate(plain, without_cache, prompt, o);
    EXPECT_TRUE(a.cached);
    EXPECT_TRUE(a.cache_in_place);
    EXPECT_FALSE(b.cached);
    ASSERT_EQ(a.new_ids.size(), 24u);
    EXPECT_EQ(a.new_ids, b.new_ids);
    EXPECT_EQ(a.decode_step_s.size(), 23u);
    // Not a constant stream: the seeded model must actually depend on its input.
    EXPECT_GT(std::set<int64_t>(a.new_ids.begin(), a.new_ids.end()).size(), 1u);
}

TEST(Generate, RefusesIdsOutsideTheVocabularyAndTooLongRequests) {
    DecoderInterface d;
    auto m = compiled_gpt2(true, &d);
    GenerateOptions o;
    o.choose_next = argmax;
    EXPECT_THROW(run_generate(m, d, {5, 1000}, o), Error);
    EXPECT_THROW(run_generate(m, d, {-1}, o), Error);
    o.max_new_tokens = 1024;
    EXPECT_THROW(run_generate(m, d, {5}, o), Error);
    EXPECT_THROW(run_generate(m, d, {}, o), Error);
}

}  // namespace
