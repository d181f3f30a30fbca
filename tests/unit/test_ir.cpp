#include <gtest/gtest.h>

#include <cmath>

#include "ir/buffer.h"
#include "ir/dtype.h"
#include "ir/graph.h"
#include "ir/tensor.h"

using namespace frugal;

TEST(DType, HalfRoundTrip) {
    for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f, 0.333251953125f}) {
        EXPECT_EQ(f16_to_float(float_to_f16(f)), f) << f;
    }
    EXPECT_EQ(f16_to_float(float_to_f16(1e6f)), INFINITY);
    EXPECT_EQ(bf16_to_float(float_to_bf16(1.0f)), 1.0f);
    EXPECT_EQ(bf16_to_float(float_to_bf16(3.0f)), 3.0f);
}

TEST(Buffer, LargeAllocationsAreCountedAndReleased) {
    size_t before = Buffer::live_owned_bytes();
    {
        auto b = Buffer::allocate(4 << 20);
        EXPECT_EQ(Buffer::live_owned_bytes(), before + (4 << 20));
        EXPECT_EQ(reinterpret_cast<uintptr_t>(b->data()) % Buffer::kAlignment, 0u);
        auto v = Buffer::view(b, 64, 128);
        EXPECT_EQ(v->root(), b.get());
        EXPECT_EQ(v->data(), b->data() + 64);
    }
    EXPECT_EQ(Buffer::live_owned_bytes(), before);
}

TEST(Buffer, ViewOutOfRangeThrows) {
    auto b = Buffer::allocate(100);
    EXPECT_THROW(Buffer::view(b, 90, 20), std::exception);
}

TEST(Tensor, ReshapeSharesBuffer) {
    Tensor t = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor r = t.reshaped({3, 2});
    EXPECT_EQ(r.buffer, t.buffer);
    EXPECT_EQ(r.data<float>()[5], 6.0f);
    EXPECT_THROW(t.reshaped({4}), std::exception);
}

TEST(Graph, TopologicalSortAndCycle) {
    Graph g;
    ValueId a = g.add_value("a", DType::f32, Shape{2});
    ValueId b = g.add_value("b");
    ValueId c = g.add_value("c");
    g.inputs = {a};
    Node n2;
    n2.name = "second";
    n2.op = OpKind::Relu;
    n2.inputs = {b};
    n2.outputs = {c};
    Node n1;
    n1.name = "first";
    n1.op = OpKind::Relu;
    n1.inputs = {a};
    n1.outputs = {b};
    g.add_node(n2);
    g.add_node(n1);
    g.outputs = {c};
    g.topological_sort();
    EXPECT_EQ(g.nodes[0].name, "first");
    EXPECT_EQ(g.values[size_t(c)].producer, 1);
    g.nodes[0].inputs = {c};  // first reads second's output: a cycle
    EXPECT_THROW(g.topological_sort(), std::exception);
}
