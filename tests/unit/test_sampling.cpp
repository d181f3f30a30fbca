#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "error_of.h"
#include "generate/sampling.h"
#include "ir/error.h"

using namespace frugal::generate;

using frugal::test::error_of;

namespace {

// Softmax of logits / temperature over `keep` (token ids), computed here independently.
std::map<int32_t, double> softmax_over(const std::vector<float>& logits, double temperature, const std::vector<int32_t>& keep) {
    double total = 0;
    std::map<int32_t, double> p;
    for (int32_t id : keep) total += p[id] = std::exp(double(logits[size_t(id)]) / temperature);
    for (auto& [id, v] : p) v /= total;
    return p;
}

// Pearson's chi-square of `draws` from the sampler against `expected`; tokens outside `expected`
// must never be drawn.
double chi_square(Sampler& sampler, const std::vector<float>& logits, const std::map<int32_t, double>& expected, int draws) {
    std::map<int32_t, int> counts;
    for (int i = 0; i < draws; ++i) {
        int32_t id = sampler.next(logits);
        EXPECT_TRUE(expected.count(id)) << "drew token " << id << " outside the kept set";
        ++counts[id];
    }
    double chi2 = 0;
    for (const auto& [id, p] : expected) {
        double e = p * draws;
        chi2 += (counts[id] - e) * (counts[id] - e) / e;
    }
    return chi2;
}

std::vector<float> random_logits(std::mt19937_64& rng, size_t n) {
    std::vector<float> logits(n);
    // Few distinct values, so that ties for the maximum are common.
    for (float& v : logits) v = float(int(rng() % 7)) - 3.0f;
    return logits;
}

}  // namespace

TEST(Sampling, GreedyIsArgmaxWithLowestIdOnTies) {
    EXPECT_EQ(argmax_token(std::vector<float>{0.1f, 2.0f, -1.0f, 1.9f}), 1);
    EXPECT_EQ(argmax_token(std::vector<float>{1.0f, 3.0f, 3.0f, 2.0f, 3.0f}), 1);
    EXPECT_EQ(argmax_token(std::vector<float>{-INFINITY, -5.0f}), 1);
    Sampler greedy({.greedy = true});
    EXPECT_EQ(greedy.next(std::vector<float>{1.0f, 3.0f, 3.0f}), 1);
    auto dist = sampling_distribution(std::vector<float>{1.0f, 3.0f, 3.0f}, {.greedy = true});
    ASSERT_EQ(dist.size(), 1u);
    EXPECT_EQ(dist[0], (std::pair<int32_t, double>{1, 1.0}));
}

TEST(Sampling, UniformDrawComesFromTheGeneratorsTopBits) {
    // The C++ standard fixes mt19937_64's 10000th output for the default seed.
    std::mt19937_64 rng(5489);
    rng.discard(9999);
    EXPECT_EQ(uniform_unit(rng), double(9981545732273789042ull >> 11) / 9007199254740992.0);
    for (int i = 0; i < 1000; ++i) {
        double u = uniform_unit(rng);
        EXPECT_GE(u, 0.0);
        EXPECT_LT(u, 1.0);
    }
}

TEST(Sampling, SameSeedSameTokens) {
    std::mt19937_64 rng(1);
    std::vector<std::vector<float>> steps;
    for (int i = 0; i < 50; ++i) steps.push_back(random_logits(rng, 100));
    SamplingOptions options{.temperature = 0.8, .top_k = 40, .top_p = 0.95, .seed = 1234};
    Sampler a(options), b(options);
    std::vector<int32_t> first, second;
    for (const auto& logits : steps) {
        first.push_back(a.next(logits));
        second.push_back(b.next(logits));
    }
    EXPECT_EQ(first, second);
    options.seed = 4321;
    Sampler c(options);
    std::vector<int32_t> third;
    for (const auto& logits : steps) third.push_back(c.next(logits));
    EXPECT_NE(first, third);
}

TEST(Sampling, TopK1AndTinyTopPAreGreedy) {
    std::mt19937_64 rng(2);
    Sampler top_k({.temperature = 1.7, .top_k = 1, .seed = 9});
    Sampler top_p({.temperature = 0.3, .top_p = 1e-9, .seed = 9});
    for (int i = 0; i < 200; ++i) {
        std::vector<float> logits = random_logits(rng, 1 + rng() % 300);
        int32_t greedy = argmax_token(logits);
        EXPECT_EQ(top_k.next(logits), greedy);
        EXPECT_EQ(top_p.next(logits), greedy);
    }
}

TEST(Sampling, DrawsFollowTheSoftmax) {
    std::vector<float> logits = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 0.0f};
    Sampler sampler({.temperature = 0.7, .seed = 42});
    auto expected = softmax_over(logits, 0.7, {0, 1, 2, 3, 4, 5});
    // 5 degrees of freedom: P(chi2 > 20.5) = 0.001.
    EXPECT_LT(chi_square(sampler, logits, expected, 20000), 20.5);
    auto dist = sampling_distribution(logits, {.temperature = 0.7});
    ASSERT_EQ(dist.size(), 6u);
    std::vector<int32_t> order;
    for (const auto& [id, p] : dist) {
        order.push_back(id);
        EXPECT_NEAR(p, expected[id], 1e-12);
    }
    EXPECT_EQ(order, (std::vector<int32_t>{4, 1, 0, 2, 5, 3}));
}

TEST(Sampling, TopKKeepsTheKMostLikely) {
    std::vector<float> logits = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 0.0f};
    Sampler sampler({.temperature = 1.3, .top_k = 3, .seed = 7});
    auto expected = softmax_over(logits, 1.3, {4, 1, 0});
    EXPECT_LT(chi_square(sampler, logits, expected, 20000), 13.8);  // 2 df, P = 0.001
    // Ties at the k-th place keep the lower ids.
    auto dist = sampling_distribution(std::vector<float>{1.0f, 5.0f, 1.0f, 1.0f}, {.top_k = 2});
    ASSERT_EQ(dist.size(), 2u);
    EXPECT_EQ(dist[0].first, 1);
    EXPECT_EQ(dist[1].first, 0);
    EXPECT_EQ(sampling_distribution(std::vector<float>{1.0f, 2.0f}, {.top_k = 10}).size(), 2u);
}

TEST(Sampling, TopPKeepsTheSmallestSetWithTheMass) {
    // Probabilities 0.644, 0.237, 0.087, 0.032: 0.644 < 0.8 <= 0.881, so two tokens remain.
    std::vector<float> logits = {2.0f, 1.0f, 0.0f, -1.0f};
    auto dist = sampling_distribution(logits, {.top_p = 0.8});
    ASSERT_EQ(dist.size(), 2u);
    double e2 = std::exp(2.0), e1 = std::exp(1.0);
    EXPECT_NEAR(dist[0].second, e2 / (e2 + e1), 1e-12);
    EXPECT_NEAR(dist[1].second, e1 / (e2 + e1), 1e-12);
    Sampler sampler({.top_p = 0.8, .seed = 11});
    EXPECT_LT(chi_square(sampler, logits, softmax_over(logits, 1.0, {0, 1}), 20000), 10.8);  // 1 df
    // Exactly the mass of the first token is enough.
    EXPECT_EQ(sampling_distribution(std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f}, {.top_p = 0.5}).size(), 2u);
    // After top-k the mass is that of the k tokens: 0.731 of the top two, so 0.7 keeps one.
    EXPECT_EQ(sampling_distribution(logits, {.top_k = 2, .top_p = 0.7}).size(), 1u);
    EXPECT_EQ(sampling_distribution(logits, {.top_k = 2, .top_p = 0.75}).size(), 2u);
}

TEST(Sampling, TopPOverALargeVocabulary) {
    // 50257 equal logits: the nucleus of 0.9 is ceil(0.9 * 50257) tokens, beyond every partial sort.
    std::vector<float> logits(50257, 0.5f);
    auto dist = sampling_distribution(logits, {.top_p = 0.9});
    EXPECT_EQ(dist.size(), 45232u);
    EXPECT_EQ(dist.front().first, 0);
    EXPECT_EQ(dist.back().first, 45231);
    // 200 likely tokens among unlikely ones: a nucleus of 100, bigger than the first partial sort.
    std::vector<float> peaked(50257, -1000.0f);
    for (int i = 0; i < 200; ++i) peaked[size_t(i) * 200] = 4.0f;
    dist = sampling_distribution(peaked, {.top_p = 0.5});
    ASSERT_EQ(dist.size(), 100u);
    for (size_t i = 0; i < dist.size(); ++i) EXPECT_EQ(dist[i].first, int32_t(i) * 200);
    Sampler sampler({.top_p = 0.5, .seed = 3});
    for (int i = 0; i < 20; ++i) {
        int32_t id = sampler.next(peaked);
        EXPECT_EQ(id % 200, 0);
        EXPECT_LT(id, 100 * 200);
    }
}

TEST(Sampling, MinusInfinityIsNeverDrawn) {
    std::vector<float> logits = {-INFINITY, 0.0f, -INFINITY, 0.0f};
    Sampler sampler({.temperature = 5.0, .seed = 5});
    std::map<int32_t, double> expected = {{1, 0.5}, {3, 0.5}};
    EXPECT_LT(chi_square(sampler, logits, expected, 4000), 10.8);
}

TEST(SamplingErrors, BadOptionsAndLogits) {
    std::string message = error_of([] { Sampler({.temperature = 0.0}); });
    EXPECT_NE(message.find("temperature must be a finite number > 0"), std::string::npos) << message;
    EXPECT_NE(message.find("use greedy"), std::string::npos) << message;
    EXPECT_NE(error_of([] { Sampler({.temperature = -1.0}); }), "");
    EXPECT_NE(error_of([] { Sampler({.temperature = NAN}); }), "");
    EXPECT_NE(error_of([] { Sampler({.top_k = -1}); }).find("top_k must be >= 0"), std::string::npos);
    for (double p : {0.0, -0.5, 1.0000001, double(NAN)}) {
        EXPECT_NE(error_of([&] { Sampler({.top_p = p}); }).find("top_p must be in (0, 1]"), std::string::npos) << p;
    }
    EXPECT_EQ(error_of([] { Sampler({.greedy = true, .temperature = 0.0}); }), "");  // ignored when greedy
    EXPECT_EQ(error_of([] { Sampler({.top_p = 1.0}); }), "");

    Sampler sampler({.seed = 1});
    EXPECT_NE(error_of([&] { sampler.next(std::vector<float>{}); }).find("logits are empty"), std::string::npos);
    EXPECT_NE(error_of([&] { sampler.next(std::vector<float>{0.0f, NAN}); }).find("logit of token 1"), std::string::npos);
    EXPECT_NE(error_of([&] { sampler.next(std::vector<float>{INFINITY, 0.0f}); }).find("logit of token 0"), std::string::npos);
    EXPECT_NE(error_of([&] { sampler.next(std::vector<float>{-INFINITY, -INFINITY}); }).find("every logit is -inf"),
              std::string::npos);
    EXPECT_NE(error_of([] { argmax_token(std::vector<float>{NAN}); }).find("nan"), std::string::npos);
}
