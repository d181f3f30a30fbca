// FusedAttention through the writers: ONNX keeps it as one node of the default domain with its
// attributes (read back as the same op, like FusedMatMul); the OpenVINO IR writer unfuses it into
// Transpose, MatMul, Multiply, Select/Add, SoftMax layers that compute the same numbers.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "frontend/onnx/write_onnx.h"
#include "frontend/ovir/read_ir.h"
#include "frontend/ovir/write_ir.h"
#include "frontend/read_model.h"
#include "graph_builder.h"
#include "runtime/reference_executor.h"

using namespace frugal;
using namespace frugal::test;

namespace {

struct Dir {
    std::filesystem::path path = std::filesystem::temp_directory_path() / ("frugal_attention_io_" + std::to_string(getpid()));
    Dir() { std::filesystem::create_directories(path); }
    ~Dir() { std::filesystem::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

// Q in Keras's [b, s, h, d], K and V [b, h, s, d], the output back to [b, s, h, dv]; with
// bool_mask, a bool [Sq, Sk] then an additive [b, 1, 1, Sk]; otherwise one additive mask.
Model attention_model(bool bool_mask) {
    Model m;
    m.opsets[""] = 17;
    Graph& g = m.graph;
    std::vector<ValueId> in = {add_input(g, "q", DType::f32, Shape{1, 3, 2, 8}), add_input(g, "k", DType::f32, Shape{1, 2, 5, 8}),
                               add_input(g, "v", DType::f32, Shape{1, 2, 5, 4})};
    Attributes a;
    a.set("scale", 0.3f);
    if (bool_mask) {
        in.push_back(add_input(g, "mask", DType::boolean, Shape{3, 5}));
        in.push_back(add_input(g, "pad", DType::f32, Shape{1, 1, 1, 5}));
        a.set("q_perm", std::vector<int64_t>{0, 2, 1, 3});
        a.set("out_perm", std::vector<int64_t>{0, 2, 1, 3});
        a.set("mask_kind", std::string("bool"));
        a.set("mask_fill", -1e9f);
    } else {
        in.push_back(add_input(g, "pad", DType::f32, Shape{1, 1, 1, 5}));
        a.set("q_perm", std::vector<int64_t>{0, 2, 1, 3});
        a.set("mask_kind", std::string("additive"));
    }
    g.outputs = {add_op(g, OpKind::FusedAttention, in, a, "attention")};
    return m;
}

TensorMap attention_inputs(bool bool_mask) {
    TensorMap in = {{"q", random_tensor({1, 3, 2, 8}, 1, 2.f)},
                    {"k", random_tensor({1, 2, 5, 8}, 2, 2.f)},
                    {"v", random_tensor({1, 2, 5, 4}, 3)},
                    {"pad", Tensor::from_vector<float>({1, 1, 1, 5}, {0, 0, 0, -1e9f, 0.5f})}};
    if (bool_mask) {
        Tensor mask = Tensor::empty(DType::boolean, {3, 5});
        for (int64_t i = 0; i < 15; ++i) mask.mutable_data<bool>()[i] = (i * 7) % 3 != 1;
        in["mask"] = mask;
    }
    return in;
}

TEST(FusedAttentionIo, OnnxKeepsTheNode) {
    for (bool bool_mask : {true, false}) {
        Model m = attention_model(bool_mask);
        Dir dir;
        write_onnx(m, dir.file("a.onnx"));
        Model back = read_model(dir.file("a.onnx"));
        ASSERT_EQ(back.graph.live_node_count(), 1u);
        const Node& n = back.graph.nodes[0];
        EXPECT_EQ(n.op, OpKind::FusedAttention);
        const Attributes& want_attrs = m.graph.nodes[0].attrs;
        EXPECT_EQ(n.attrs.all().size(), want_attrs.all().size());
        for (const char* perm : {"q_perm", "k_perm", "v_perm", "out_perm"}) EXPECT_EQ(n.attrs.get_ints(perm), want_attrs.get_ints(perm)) << perm;
        EXPECT_EQ(n.attrs.get_float("scale", 0), 0.3f);
        EXPECT_EQ(n.attrs.get_string("mask_kind", ""), want_attrs.get_string("mask_kind", ""));
        EXPECT_EQ(n.attrs.get_float("mask_fill", 0), want_attrs.get_float("mask_fill", 0));
        TensorMap in = attention_inputs(bool_mask);
        Tensor want = run_reference(m, in).at(m.graph.values[size_t(m.graph.outputs[0])].name);
        Tensor got = run_reference(back, in).at(back.graph.values[size_t(back.graph.outputs[0])].name);
        EXPECT_EQ(max_error_over_range(got, want), 0.0);
    }
}

TEST(FusedAttentionIo, OpenVinoIrUnfusesIt) {
    for (bool bool_mask : {true, false}) {
        Model m = attention_model(bool_mask);
        Dir dir;
        write_ir(m, dir.file("a.xml"));
        Model back = read_ir(dir.file("a.xml"));
        EXPECT_EQ(count_ops(back.graph, OpKind::FusedAttention), 0u);
        EXPECT_EQ(count_ops(back.graph, OpKind::Softmax), 1u);
        EXPECT_EQ(count_ops(back.graph, OpKind::Where), bool_mask ? 1u : 0u);
        TensorMap in = attention_inputs(bool_mask);
        Tensor want = run_reference(m, in).begin()->second;
        Tensor got = run_reference(back, in).begin()->second;
        ASSERT_EQ(got.shape, want.shape);
        EXPECT_LT(max_error_over_range(got, want), 1e-5) << "bool_mask " << bool_mask;
    }
}

}  // namespace
