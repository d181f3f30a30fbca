// KV-cache states of a Session: each step's logits, with the cache appended in place, must equal
// the reference executor's logits for the same positions computed from the whole sequence; and the
// session refuses what it cannot hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "graph_builder.h"
#include "ir/error.h"
#include "models/keras_gpt2.h"
#include "runtime/reference_executor.h"
#include "runtime/session.h"
#include "transform/offline.h"

using namespace frugal;

namespace {

Tensor ids_row(const std::vector<int64_t>& ids) { return Tensor::from_vector<int64_t>({1, int64_t(ids.size())}, ids); }

std::vector<std::pair<std::string, std::string>> cache_pairs(int64_t layers) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (int64_t i = 0; i < layers; ++i)
        for (const char* which : {"key", "value"}) {
            std::string suffix = "." + std::to_string(i) + "." + which;
            pairs.push_back({"past_key_values" + suffix, "present" + suffix});
        }
    return pairs;
}

// The kv model's inputs for a whole sequence from an empty past (the reference's way).
TensorMap full_sequence_feed(const Model& m, const std::vector<int64_t>& ids) {
    TensorMap feed;
    feed["token_ids"] = ids_row(ids);
    for (ValueId id : m.graph.inputs) {
        const Value& v = m.graph.values[size_t(id)];
        if (v.name.rfind("past_key_values", 0) != 0) continue;
        Shape s = v.shape.dims;
        s[0] = 1;
        s[2] = 0;
        feed[v.name] = Tensor::empty(DType::f32, s);
    }
    return feed;
}

TEST(SessionStates, StepsEqualTheReferenceOverTheWholeSequence) {
    Gpt2Config c = gpt2_config("tiny");
    Model m = make_keras_gpt2(c, 7, true);
    transform::offline(m);
    std::vector<int64_t> ids = {17, 4, 999, 250, 3, 77, 12, 600, 5};
    // The oracle: logits of every position from one reference run over all the ids.
    TensorMap expected = run_reference(m, full_sequence_feed(m, ids));
    const Tensor& all = expected.at("logits");
    int64_t vocab = all.shape[2];

    auto cm = compile::compile_model(std::move(m));
    Session session(cm);
    std::string why;
    ASSERT_TRUE(session.use_states(cache_pairs(c.layers), 16, &why)) << why;
    EXPECT_EQ(session.state_capacity(), 16);
    // A prefill of 5, then one token at a time, then a 2-token step: each run's logits are the
    // reference's rows for those positions.
    std::vector<std::pair<size_t, size_t>> steps = {{0, 5}, {5, 6}, {6, 7}, {7, 9}};
    for (auto [begin, end] : steps) {
        TensorMap out = session.run({{"token_ids", ids_row({ids.begin() + long(begin), ids.begin() + long(end)})}});
        EXPECT_EQ(out.count("present.0.key"), 0u) << "states are not returned";
        const Tensor& got = out.at("logits");
        ASSERT_EQ(got.shape, (Shape{1, int64_t(end - begin), vocab}));
        const float* want = all.data<float>() + int64_t(begin) * vocab;
        float lo = *std::min_element(want, want + got.numel()), hi = *std::max_element(want, want + got.numel());
        double worst = 0;
        for (int64_t i = 0; i < got.numel(); ++i) worst = std::max(worst, double(std::fabs(got.data<float>()[i] - want[i])));
        EXPECT_LT(worst, 1e-4 * (hi - lo)) << "positions " << begin << ".." << end;
        EXPECT_EQ(session.state_length(), int64_t(end));
    }
    // Full: 9 of 16 held, 8 more do not fit, and nothing is appended by the refused run.
    EXPECT_THROW(session.run({{"token_ids", ids_row(std::vector<int64_t>(8, 1))}}), Error);
    EXPECT_EQ(session.state_length(), 9);
    // A state is not fed.
    TensorMap with_past = full_sequence_feed(cm->model, {1});
    EXPECT_THROW(session.run(with_past), Error);
    // After a reset the session starts a new sequence: the same prefill gives the same logits.
    session.reset_states();
    TensorMap again = session.run({{"token_ids", ids_row({ids.begin(), ids.begin() + 5})}});
    EXPECT_NEAR(again.at("logits").data<float>()[3], all.data<float>()[3], 1e-4 * std::fabs(all.data<float>()[3]) + 1e-5);
}

TEST(SessionStates, RefusesPairsThatAreNotAConcatOfThePast) {
    Model m;
    Graph& g = m.graph;
    ValueId past = test::add_input(g, "past_key_values.0.key", DType::f32, PartialShape({1, 2, kDynamic, 4}));
    ValueId x = test::add_input(g, "x", DType::f32, PartialShape({1, 2, 1, 4}));
    ValueId sum = test::add_op(g, OpKind::Add, {past, x});
    g.values[size_t(sum)].name = "present.0.key";
    g.outputs.push_back(sum);
    auto cm = compile::compile_model(std::move(m));
    Session session(cm);
    std::string why;
    EXPECT_FALSE(session.use_states({{"past_key_values.0.key", "present.0.key"}}, 8, &why));
    EXPECT_NE(why.find("is not Concat"), std::string::npos) << why;
    EXPECT_FALSE(session.use_states({{"nope", "present.0.key"}}, 8, &why));
    EXPECT_NE(why.find("no input 'nope'"), std::string::npos) << why;
    EXPECT_FALSE(session.use_states({{"past_key_values.0.key", "present.0.key"}}, 0, &why));
}

}  // namespace
