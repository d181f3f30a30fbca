// Data-movement and shape ops: values against hand/numpy-computed results, views sharing the
// input's buffer (memory contract 2), partial-shape inference and error cases.
#include <gtest/gtest.h>

#include <climits>

#include "ir/error.h"
#include "ops/op_table.h"

using namespace frugal;

namespace {

Node make_node(OpKind op, int64_t opset = 13) {
    Node n;
    n.name = std::string("test_node");  // move-assign: avoids a GCC 12 -Wrestrict false positive
    n.op = op;
    n.opset = opset;
    return n;
}

std::vector<Tensor> run(const Node& n, std::vector<const Tensor*> in, size_t n_out = 1) {
    std::vector<Tensor> out(n_out);
    evaluate_node(n, in, out);
    return out;
}

Tensor run1(const Node& n, std::vector<const Tensor*> in) { return run(n, std::move(in))[0]; }

std::vector<ValueType> infer(const Node& n, std::vector<ValueType> in, size_t n_out = 1) {
    std::vector<ValueType> out(n_out);
    infer_node(n, in, out);
    return out;
}

ValueType vt(DType t, PartialShape s, const Tensor* c = nullptr) {
    ValueType v;
    v.dtype = t;
    v.shape = std::move(s);
    v.constant = c;
    return v;
}

ValueType absent() {
    ValueType v;
    v.present = false;
    return v;
}

Tensor iota_f32(const Shape& s) {
    Tensor t = Tensor::empty(DType::f32, s);
    for (int64_t i = 0; i < t.numel(); ++i) t.mutable_data<float>()[i] = float(i);
    return t;
}

Tensor ints(const std::vector<int64_t>& v) { return Tensor::from_vector<int64_t>({int64_t(v.size())}, v); }

template <class T>
std::vector<T> values(const Tensor& t) {
    return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

std::vector<float> floats(std::initializer_list<int> v) { return std::vector<float>(v.begin(), v.end()); }

PartialShape dyn(std::vector<int64_t> dims) {
    PartialShape p;
    p.rank_known = true;
    p.dims = std::move(dims);
    return p;
}

}  // namespace

// ---- Transpose ----

TEST(ShapeOpsTranspose, DefaultReversesAxes) {
    Tensor x = iota_f32({2, 3, 4});
    Tensor y = run1(make_node(OpKind::Transpose), {&x});
    EXPECT_EQ(y.shape, (Shape{4, 3, 2}));
    EXPECT_EQ(values<float>(y), floats({0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21,
                                        2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23}));
}

TEST(ShapeOpsTranspose, PermAndInference) {
    Node n = make_node(OpKind::Transpose);
    n.attrs.set("perm", std::vector<int64_t>{1, 0, 2});
    Tensor x = iota_f32({2, 3, 4});
    Tensor y = run1(n, {&x});
    EXPECT_EQ(y.shape, (Shape{3, 2, 4}));
    EXPECT_EQ(values<float>(y), floats({0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7,
                                        16, 17, 18, 19, 8, 9, 10, 11, 20, 21, 22, 23}));
    PartialShape in = dyn({kDynamic, 3, 4});
    in.dim_names = {"batch", "", ""};
    auto out = infer(n, {vt(DType::f32, in)});
    EXPECT_EQ(out[0].shape.dims, (std::vector<int64_t>{3, kDynamic, 4}));
    EXPECT_EQ(out[0].shape.to_string(), "[3,batch,4]");
}

TEST(ShapeOpsTranspose, BadPermFails) {
    Node n = make_node(OpKind::Transpose);
    n.attrs.set("perm", std::vector<int64_t>{0, 0, 1});
    Tensor x = iota_f32({2, 3, 4});
    EXPECT_THROW(run1(n, {&x}), Error);
    n.attrs.set("perm", std::vector<int64_t>{0, 1});
    EXPECT_THROW(run1(n, {&x}), Error);
}

// ---- Reshape ----

TEST(ShapeOpsReshape, ViewWithZeroAndMinusOne) {
    Tensor x = iota_f32({2, 3, 4});
    Tensor shape = ints({0, -1});
    Tensor y = run1(make_node(OpKind::Reshape, 14), {&x, &shape});
    EXPECT_EQ(y.shape, (Shape{2, 12}));
    EXPECT_EQ(y.buffer, x.buffer);
    EXPECT_EQ(y.raw(), x.raw());
}

TEST(ShapeOpsReshape, AllowZeroKeepsZero) {
    Node n = make_node(OpKind::Reshape, 14);
    n.attrs.set("allowzero", int64_t(1));
    Tensor x = Tensor::empty(DType::f32, {0, 3, 4});
    Tensor shape = ints({3, 4, 0});
    EXPECT_EQ(run1(n, {&x, &shape}).shape, (Shape{3, 4, 0}));
    // Without allowzero the 0 copies input dim 2 (4): 3*4*4 != 0 elements.
    EXPECT_THROW(run1(make_node(OpKind::Reshape, 14), {&x, &shape}), Error);
    Tensor both = ints({0, -1});
    EXPECT_THROW(run1(n, {&x, &both}), Error);
}

TEST(ShapeOpsReshape, DoesNotFitFails) {
    Tensor x = iota_f32({2, 3, 4});
    Tensor bad = ints({5, -1});
    EXPECT_THROW(run1(make_node(OpKind::Reshape), {&x, &bad}), Error);
    Tensor wrong = ints({4, 5});
    EXPECT_THROW(run1(make_node(OpKind::Reshape), {&x, &wrong}), Error);
    Tensor two = ints({-1, -1});
    EXPECT_THROW(run1(make_node(OpKind::Reshape), {&x, &two}), Error);
    Tensor copy_past_rank = ints({2, 3, 4, 0});
    EXPECT_THROW(run1(make_node(OpKind::Reshape), {&x, &copy_past_rank}), Error);
}

TEST(ShapeOpsReshape, InferenceWithDynamicBatch) {
    Tensor shape = ints({0, 0, 12, -1});
    PartialShape in = dyn({kDynamic, kDynamic, 768});
    in.dim_names = {"batch", "seq", ""};
    auto out = infer(make_node(OpKind::Reshape), {vt(DType::f32, in), vt(DType::i64, Shape{4}, &shape)});
    EXPECT_EQ(out[0].shape.to_string(), "[batch,seq,12,64]");
    // A shape that is not constant: only the rank is known.
    out = infer(make_node(OpKind::Reshape), {vt(DType::f32, in), vt(DType::i64, Shape{3})});
    EXPECT_EQ(out[0].shape.to_string(), "[?,?,?]");
    Tensor bad = ints({0, 0, 7, -1});
    EXPECT_THROW(infer(make_node(OpKind::Reshape), {vt(DType::f32, in), vt(DType::i64, Shape{4}, &bad)}), Error);
}

// ---- Flatten ----

TEST(ShapeOpsFlatten, AxesAndView) {
    Tensor x = iota_f32({2, 3, 4});
    Node n = make_node(OpKind::Flatten);
    Tensor y = run1(n, {&x});
    EXPECT_EQ(y.shape, (Shape{2, 12}));
    EXPECT_EQ(y.buffer, x.buffer);
    n.attrs.set("axis", int64_t(0));
    EXPECT_EQ(run1(n, {&x}).shape, (Shape{1, 24}));
    n.attrs.set("axis", int64_t(-1));
    EXPECT_EQ(run1(n, {&x}).shape, (Shape{6, 4}));
    n.attrs.set("axis", int64_t(3));
    EXPECT_EQ(run1(n, {&x}).shape, (Shape{24, 1}));
    n.attrs.set("axis", int64_t(4));
    EXPECT_THROW(run1(n, {&x}), Error);
    n.attrs.set("axis", int64_t(-2));
    auto out = infer(n, {vt(DType::f32, dyn({kDynamic, 3, 4}))});
    EXPECT_EQ(out[0].shape.dims, (std::vector<int64_t>{kDynamic, 12}));
}

// ---- Squeeze / Unsqueeze ----

TEST(ShapeOpsSqueeze, AxesInputNegativeAndView) {
    Tensor x = iota_f32({1, 3, 1, 4});
    Tensor axes = ints({-2, 0});
    Tensor y = run1(make_node(OpKind::Squeeze, 13), {&x, &axes});
    EXPECT_EQ(y.shape, (Shape{3, 4}));
    EXPECT_EQ(y.buffer, x.buffer);
}

TEST(ShapeOpsSqueeze, AttributeFormAndAllOnes) {
    Tensor x = iota_f32({1, 3, 1, 4});
    Node n = make_node(OpKind::Squeeze, 11);
    n.attrs.set("axes", std::vector<int64_t>{2});
    EXPECT_EQ(run1(n, {&x}).shape, (Shape{1, 3, 4}));
    EXPECT_EQ(run1(make_node(OpKind::Squeeze, 13), {&x}).shape, (Shape{3, 4}));
    auto out = infer(make_node(OpKind::Squeeze, 13), {vt(DType::f32, Shape{1, 3, 1, 4})});
    EXPECT_EQ(out[0].shape.dims, (std::vector<int64_t>{3, 4}));
    // With a dynamic dim, "all the 1s" is unknown.
    out = infer(make_node(OpKind::Squeeze, 13), {vt(DType::f32, dyn({1, kDynamic}))});
    EXPECT_FALSE(out[0].shape.rank_known);
}

TEST(ShapeOpsSqueeze, NonOneDimFails) {
    Tensor x = iota_f32({1, 3, 1, 4});
    Tensor axes = ints({1});
    EXPECT_THROW(run1(make_node(OpKind::Squeeze), {&x, &axes}), Error);
    Tensor out_of_range = ints({4});
    EXPECT_THROW(run1(make_node(OpKind::Squeeze), {&x, &out_of_range}), Error);
    EXPECT_THROW(infer(make_node(OpKind::Squeeze), {vt(DType::f32, Shape{1, 3}), vt(DType::i64, Shape{1}, &axes)}),
                 Error);
}

TEST(ShapeOpsUnsqueeze, AxesIndexTheOutput) {
    Tensor x = iota_f32({3, 4});
    Tensor axes = ints({-1, 0});
    Tensor y = run1(make_node(OpKind::Unsqueeze), {&x, &axes});
    EXPECT_EQ(y.shape, (Shape{1, 3, 4, 1}));
    EXPECT_EQ(y.buffer, x.buffer);
    Tensor unsorted = ints({2, 0});
    EXPECT_EQ(run1(make_node(OpKind::Unsqueeze), {&x, &unsorted}).shape, (Shape{1, 3, 1, 4}));
    Node old = make_node(OpKind::Unsqueeze, 11);
    old.attrs.set("axes", std::vector<int64_t>{1});
    EXPECT_EQ(run1(old, {&x}).shape, (Shape{3, 1, 4}));
    Tensor dup = ints({1, 1});
    EXPECT_THROW(run1(make_node(OpKind::Unsqueeze), {&x, &dup}), Error);
    Tensor far = ints({4});
    EXPECT_THROW(run1(make_node(OpKind::Unsqueeze), {&x, &far}), Error);
    auto out = infer(make_node(OpKind::Unsqueeze), {vt(DType::f32, dyn({kDynamic, 4})), vt(DType::i64, Shape{1}, &axes)});
    EXPECT_EQ(out[0].shape.dims, (std::vector<int64_t>{1, kDynamic, 4, 1}));
    out = infer(make_node(OpKind::Unsqueeze), {vt(DType::f32, dyn({kDynamic, 4})), vt(DType::i64, Shape{3})});
    EXPECT_EQ(out[0].shape.to_string(), "[?,?,?,?,?]");
}

// ---- Concat ----

TEST(ShapeOpsConcat, NegativeAxisValues) {
    Tensor a = Tensor::from_vector<float>({2, 1}, {1, 2});
    Tensor b = Tensor::from_vector<float>({2, 2}, {3, 4, 5, 6});
    Node n = make_node(OpKind::Concat);
    n.attrs.set("axis", int64_t(-1));
    Tensor y = run1(n, {&a, &b});
    EXPECT_EQ(y.shape, (Shape{2, 3}));
    EXPECT_EQ(values<float>(y), floats({1, 3, 4, 2, 5, 6}));
    auto out = infer(n, {vt(DType::f32, dyn({kDynamic, 1})), vt(DType::f32, Shape{2, 2})});
    EXPECT_EQ(out[0].shape.dims, (std::vector<int64_t>{2, 3}));
    Tensor c = Tensor::from_vector<float>({3, 1}, {0, 0, 0});
    EXPECT_THROW(run1(n, {&a, &c}), Error);
    Tensor i = Tensor::from_vector<int64_t>({2, 1}, {0, 0});
    EXPECT_THROW(run1(n, {&a, &i}), Error);
}

// ---- Split ----

TEST(ShapeOpsSplit, EqualPartsAreViewsOnTheFirstAxis) {
    Tensor x = iota_f32({4, 3});
    auto out = run(make_node(OpKind::Split), {&x}, 2);
    EXPECT_EQ(out[1].shape, (Shape{2, 3}));
    EXPECT_EQ(out[1].buffer, x.buffer);
    EXPECT_EQ(values<float>(out[1]), floats({6, 7, 8, 9, 10, 11}));
}

TEST(ShapeOpsSplit, SizesFromInputAndAttribute) {
    Tensor x = iota_f32({2, 5});
    Node n = make_node(OpKind::Split);
    n.attrs.set("axis", int64_t(-1));
    Tensor sizes = ints({2, 0, 3});
    auto out = run(n, {&x, &sizes}, 3);
    EXPECT_EQ(values<float>(out[0]), floats({0, 1, 5, 6}));
    EXPECT_EQ(out[1].shape, (Shape{2, 0}));
    EXPECT_EQ(values<float>(out[2]), floats({2, 3, 4, 7, 8, 9}));
    Node old = make_node(OpKind::Split, 11);
    old.attrs.set("axis", int64_t(1));
    old.attrs.set("split", std::vector<int64_t>{4, 1});
    out = run(old, {&x}, 2);
    EXPECT_EQ(values<float>(out[1]), floats({4, 9}));
    Tensor wrong = ints({2, 2});
    EXPECT_THROW(run(n, {&x, &wrong}, 2), Error);
    EXPECT_THROW(run(n, {&x}, 2), Error);  // 5 does not split into 2 equal parts
}

TEST(ShapeOpsSplit, NumOutputsUnevenLastChunk) {
    Tensor x = iota_f32({2, 8});
    Node n = make_node(OpKind::Split, 18);
    n.attrs.set("axis", int64_t(1));
    n.attrs.set("num_outputs", int64_t(3));
    auto out = run(n, {&x}, 3);
    EXPECT_EQ(out[0].shape, (Shape{2, 3}));
    EXPECT_EQ(out[2].shape, (Shape{2, 2}));
    EXPECT_EQ(values<float>(out[2]), floats({6, 7, 14, 15}));
    auto types = infer(n, {vt(DType::f32, Shape{2, 8})}, 3);
    EXPECT_EQ(types[1].shape.dims, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(types[2].shape.dims, (std::vector<int64_t>{2, 2}));
}

// ---- Slice ----

TEST(ShapeOpsSlice, FirstAxisIsAView) {
    Tensor x = iota_f32({4, 5});
    Tensor starts = ints({1}), ends = ints({3});
    Tensor y = run1(make_node(OpKind::Slice), {&x, &starts, &ends});
    EXPECT_EQ(y.shape, (Shape{2, 5}));
    EXPECT_EQ(y.buffer, x.buffer);
    EXPECT_EQ(y.offset, x.offset + 5 * sizeof(float));
    EXPECT_EQ(values<float>(y), floats({5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
}

TEST(ShapeOpsSlice, InnerRangeUnderSingleOuterIndexIsAView) {
    Tensor x = iota_f32({3, 4, 5});
    // x[1:2, 1:3, :] covers elements 25..34 contiguously.
    Tensor starts = ints({1, 1}), ends = ints({2, 3}), axes = ints({0, -2});
    Tensor y = run1(make_node(OpKind::Slice), {&x, &starts, &ends, &axes});
    EXPECT_EQ(y.shape, (Shape{1, 2, 5}));
    EXPECT_EQ(y.buffer, x.buffer);
    EXPECT_EQ(values<float>(y), floats({25, 26, 27, 28, 29, 30, 31, 32, 33, 34}));
}

TEST(ShapeOpsSlice, InnerAxisCopies) {
    Tensor x = iota_f32({4, 5});
    Tensor starts = ints({1}), ends = ints({3}), axes = ints({1});
    Tensor y = run1(make_node(OpKind::Slice), {&x, &starts, &ends, &axes});
    EXPECT_NE(y.buffer, x.buffer);
    EXPECT_EQ(values<float>(y), floats({1, 2, 6, 7, 11, 12, 16, 17}));
}

TEST(ShapeOpsSlice, NegativeSteps) {
    Tensor x = iota_f32({4, 5});
    // numpy: x[-1:-5:-2, 4:0:-3] == [[19, 16], [9, 6]]
    Tensor starts = ints({-1, 4}), ends = ints({-5, 0}), axes = ints({0, 1}), steps = ints({-2, -3});
    Tensor y = run1(make_node(OpKind::Slice), {&x, &starts, &ends, &axes, &steps});
    EXPECT_EQ(y.shape, (Shape{2, 2}));
    EXPECT_EQ(values<float>(y), floats({19, 16, 9, 6}));
    // numpy: x[::-1][:, 1:3]; INT64_MIN as end means "through index 0".
    Tensor s2 = ints({INT64_MAX, 1}), e2 = ints({INT64_MIN, 3}), st2 = ints({-1, 1});
    y = run1(make_node(OpKind::Slice), {&x, &s2, &e2, &axes, &st2});
    EXPECT_EQ(values<float>(y), floats({16, 17, 11, 12, 6, 7, 1, 2}));
}

TEST(ShapeOpsSlice, ClampingAsTheSpecSays) {
    Tensor x = iota_f32({10});
    auto slice = [&](int64_t s, int64_t e, int64_t st) {
        Tensor starts = ints({s}), ends = ints({e}), axes = ints({0}), steps = ints({st});
        return values<float>(run1(make_node(OpKind::Slice), {&x, &starts, &ends, &axes, &steps}));
    };
    EXPECT_EQ(slice(-100, 100, 1), floats({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(slice(20, -20, -1), floats({9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
    EXPECT_EQ(slice(8, 1, -3), floats({8, 5, 2}));
    EXPECT_EQ(slice(1000, 1001, 1), floats({}));
    EXPECT_EQ(slice(-1, -1000, INT64_MIN), floats({9}));
    EXPECT_EQ(slice(3, 9, 4), floats({3, 7}));
    EXPECT_THROW(slice(0, 5, 0), Error);
}

TEST(ShapeOpsSlice, Inference) {
    Tensor starts = ints({1, -3}), ends = ints({INT64_MAX, -1}), axes = ints({0, 2});
    PartialShape in = dyn({kDynamic, 7, 10});
    in.dim_names = {"batch", "", ""};
    std::vector<ValueType> ins = {vt(DType::f32, in), vt(DType::i64, Shape{2}, &starts), vt(DType::i64, Shape{2}, &ends),
                                  vt(DType::i64, Shape{2}, &axes)};
    auto out = infer(make_node(OpKind::Slice), ins);
    EXPECT_EQ(out[0].shape.to_string(), "[?,7,2]");
    ins[1].constant = nullptr;  // starts unknown: only the sliced axes become dynamic
    out = infer(make_node(OpKind::Slice), ins);
    EXPECT_EQ(out[0].shape.to_string(), "[?,7,?]");
    // Omitted axes with steps given: axes are 0, 1.
    Tensor steps = ints({1, -2}), ends2 = ints({INT64_MAX, 0});
    ins[1].constant = &starts;
    ins[2].constant = &ends2;
    ins[3] = absent();
    ins.push_back(vt(DType::i64, Shape{2}, &steps));
    out = infer(make_node(OpKind::Slice), ins);
    EXPECT_EQ(out[0].shape.to_string(), "[?,2,10]");
    Tensor bad_axes = ints({0, 0});
    ins[3] = vt(DType::i64, Shape{2}, &bad_axes);
    EXPECT_THROW(infer(make_node(OpKind::Slice), ins), Error);
}

// ---- Gather ----

TEST(ShapeOpsGather, NegativeIndicesAndAxis) {
    Tensor x = iota_f32({3, 4});
    Tensor idx = Tensor::from_vector<int32_t>({2}, {-1, 0});
    Tensor y = run1(make_node(OpKind::Gather), {&x, &idx});
    EXPECT_EQ(y.shape, (Shape{2, 4}));
    EXPECT_EQ(values<float>(y), floats({8, 9, 10, 11, 0, 1, 2, 3}));
    Node n = make_node(OpKind::Gather);
    n.attrs.set("axis", int64_t(-1));
    Tensor idx2 = Tensor::from_vector<int64_t>({2, 2}, {3, 1, 0, -2});
    y = run1(n, {&x, &idx2});
    EXPECT_EQ(y.shape, (Shape{3, 2, 2}));
    EXPECT_EQ(values<float>(y), floats({3, 1, 0, 2, 7, 5, 4, 6, 11, 9, 8, 10}));
    auto out = infer(n, {vt(DType::f32, dyn({kDynamic, 4})), vt(DType::i64, dyn({2, kDynamic}))});
    EXPECT_EQ(out[0].shape.dims, (std::vector<int64_t>{kDynamic, 2, kDynamic}));
    Tensor scalar = Tensor::scalar<int64_t>(2);
    EXPECT_EQ(run1(make_node(OpKind::Gather), {&x, &scalar}).shape, (Shape{4}));
}

TEST(ShapeOpsGather, IndexOutOfRangeFails) {
    Tensor x = iota_f32({3, 4});
    Tensor idx = Tensor::from_vector<int64_t>({1}, {3});
    EXPECT_THROW(run1(make_node(OpKind::Gather), {&x, &idx}), Error);
    Tensor neg = Tensor::from_vector<int64_t>({1}, {-4});
    EXPECT_THROW(run1(make_node(OpKind::Gather), {&x, &neg}), Error);
    Tensor f = Tensor::from_vector<float>({1}, {0});
    EXPECT_THROW(run1(make_node(OpKind::Gather), {&x, &f}), Error);
}

// ---- Expand / Tile / Trilu ----

TEST(ShapeOpsExpand, BidirectionalBroadcast) {
    Tensor x = Tensor::from_vector<float>({3, 1}, {1, 2, 3});
    Tensor shape = ints({2, 1, 2});
    Tensor y = run1(make_node(OpKind::Expand), {&x, &shape});
    EXPECT_EQ(y.shape, (Shape{2, 3, 2}));
    EXPECT_EQ(values<float>(y), floats({1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
    Tensor keep = ints({1});
    EXPECT_EQ(run1(make_node(OpKind::Expand), {&x, &keep}).shape, (Shape{3, 1}));
    Tensor bad = ints({2, 2});
    EXPECT_THROW(run1(make_node(OpKind::Expand), {&x, &bad}), Error);
    auto out = infer(make_node(OpKind::Expand), {vt(DType::f32, dyn({kDynamic, 1})), vt(DType::i64, Shape{3}, &shape)});
    EXPECT_EQ(out[0].shape.dims, (std::vector<int64_t>{2, kDynamic, 2}));
    out = infer(make_node(OpKind::Expand), {vt(DType::f32, Shape{3, 1}), vt(DType::i64, Shape{3})});
    EXPECT_EQ(out[0].shape.rank(), 3u);
}

TEST(ShapeOpsTile, Repeats) {
    Tensor x = Tensor::from_vector<int64_t>({2, 3}, {0, 1, 2, 3, 4, 5});
    Tensor r = ints({2, 2});
    Tensor y = run1(make_node(OpKind::Tile), {&x, &r});
    EXPECT_EQ(y.shape, (Shape{4, 6}));
    EXPECT_EQ(values<int64_t>(y), (std::vector<int64_t>{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5,
                                                        0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}));
    Tensor wrong = ints({2});
    EXPECT_THROW(run1(make_node(OpKind::Tile), {&x, &wrong}), Error);
}

TEST(ShapeOpsTrilu, UpperAndLowerWithK) {
    Tensor x = iota_f32({2, 3, 4});
    Tensor k1 = Tensor::scalar<int64_t>(1);
    Tensor y = run1(make_node(OpKind::Trilu, 14), {&x, &k1});
    EXPECT_EQ(values<float>(y), floats({0, 1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11,
                                        0, 13, 14, 15, 0, 0, 18, 19, 0, 0, 0, 23}));
    Node lower = make_node(OpKind::Trilu, 14);
    lower.attrs.set("upper", int64_t(0));
    Tensor km1 = Tensor::scalar<int64_t>(-1);
    y = run1(lower, {&x, &km1});
    EXPECT_EQ(values<float>(y), floats({0, 0, 0, 0, 4, 0, 0, 0, 8, 9, 0, 0,
                                        0, 0, 0, 0, 16, 0, 0, 0, 20, 21, 0, 0}));
    EXPECT_EQ(values<float>(x)[1], 1.0f);  // the input is untouched
    Tensor v = iota_f32({4});
    EXPECT_THROW(run1(lower, {&v}), Error);
}

// ---- Identity / Shape / Size ----

TEST(ShapeOpsIdentity, SharesBuffer) {
    Tensor x = iota_f32({2, 2});
    Tensor y = run1(make_node(OpKind::Identity), {&x});
    EXPECT_EQ(y.buffer, x.buffer);
    EXPECT_EQ(y.shape, x.shape);
}

TEST(ShapeOpsShape, StartEndClamp) {
    Tensor x = Tensor::empty(DType::f32, {2, 3, 4});
    auto shape_of = [&](std::optional<int64_t> start, std::optional<int64_t> end) {
        Node n = make_node(OpKind::Shape, 15);
        if (start) n.attrs.set("start", *start);
        if (end) n.attrs.set("end", *end);
        return values<int64_t>(run1(n, {&x}));
    };
    EXPECT_EQ(shape_of({}, {}), (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(shape_of(1, {}), (std::vector<int64_t>{3, 4}));
    EXPECT_EQ(shape_of({}, -1), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(shape_of(-10, 10), (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(shape_of(2, 1), (std::vector<int64_t>{}));
    Node n = make_node(OpKind::Shape, 15);
    n.attrs.set("start", int64_t(-2));
    auto out = infer(n, {vt(DType::f32, dyn({kDynamic, 3, kDynamic}))});
    EXPECT_EQ(out[0].dtype, DType::i64);
    EXPECT_EQ(out[0].shape.dims, (std::vector<int64_t>{2}));
}

TEST(ShapeOpsSize, CountsElements) {
    Tensor x = Tensor::empty(DType::u8, {2, 3, 4});
    Tensor y = run1(make_node(OpKind::Size), {&x});
    EXPECT_EQ(y.dtype, DType::i64);
    EXPECT_TRUE(y.shape.empty());
    EXPECT_EQ(y.data<int64_t>()[0], 24);
}

// ---- ConstantOfShape / Constant / Range ----

TEST(ShapeOpsConstantOfShape, DefaultAndTypedValue) {
    Tensor shape = ints({2, 3});
    Tensor y = run1(make_node(OpKind::ConstantOfShape, 9), {&shape});
    EXPECT_EQ(y.dtype, DType::f32);
    EXPECT_EQ(values<float>(y), std::vector<float>(6, 0.0f));
    Node n = make_node(OpKind::ConstantOfShape, 9);
    n.attrs.set("value", Tensor::from_vector<int32_t>({1}, {7}));
    y = run1(n, {&shape});
    EXPECT_EQ(y.dtype, DType::i32);
    EXPECT_EQ(values<int32_t>(y), std::vector<int32_t>(6, 7));
    Tensor empty_shape = ints({});
    EXPECT_EQ(run1(n, {&empty_shape}).shape, Shape{});
    Tensor neg = ints({-1});
    EXPECT_THROW(run1(n, {&neg}), Error);
    auto out = infer(n, {vt(DType::i64, Shape{3})});
    EXPECT_EQ(out[0].dtype, DType::i32);
    EXPECT_EQ(out[0].shape.to_string(), "[?,?,?]");
}

TEST(ShapeOpsConstant, AttributeForms) {
    Node n = make_node(OpKind::Constant);
    Tensor v = iota_f32({2, 2});
    n.attrs.set("value", v);
    Tensor y = run1(n, {});
    EXPECT_EQ(y.buffer, v.buffer);
    Node ints_node = make_node(OpKind::Constant);
    ints_node.attrs.set("value_ints", std::vector<int64_t>{4, 5});
    y = run1(ints_node, {});
    EXPECT_EQ(y.dtype, DType::i64);
    EXPECT_EQ(values<int64_t>(y), (std::vector<int64_t>{4, 5}));
    Node f = make_node(OpKind::Constant);
    f.attrs.set("value_float", 2.5f);
    auto out = infer(f, {});
    EXPECT_EQ(out[0].dtype, DType::f32);
    EXPECT_EQ(out[0].shape.rank(), 0u);
    EXPECT_EQ(run1(f, {}).data<float>()[0], 2.5f);
    Node s = make_node(OpKind::Constant);
    s.attrs.set("value_string", std::string("hi"));
    EXPECT_THROW(run1(s, {}), Error);
    EXPECT_THROW(run1(make_node(OpKind::Constant), {}), Error);
}

TEST(ShapeOpsRange, FloatIntAndEmpty) {
    Tensor s = Tensor::scalar<float>(1), l = Tensor::scalar<float>(5), d = Tensor::scalar<float>(1.5f);
    Tensor y = run1(make_node(OpKind::Range, 11), {&s, &l, &d});
    EXPECT_EQ(values<float>(y), (std::vector<float>{1, 2.5f, 4}));
    Tensor si = Tensor::scalar<int32_t>(10), li = Tensor::scalar<int32_t>(6), di = Tensor::scalar<int32_t>(-3);
    y = run1(make_node(OpKind::Range, 11), {&si, &li, &di});
    EXPECT_EQ(y.dtype, DType::i32);
    EXPECT_EQ(values<int32_t>(y), (std::vector<int32_t>{10, 7}));
    Tensor up = Tensor::scalar<int32_t>(3);
    y = run1(make_node(OpKind::Range, 11), {&si, &li, &up});
    EXPECT_EQ(y.shape, (Shape{0}));
    Tensor zero = Tensor::scalar<int32_t>(0);
    EXPECT_THROW(run1(make_node(OpKind::Range, 11), {&si, &li, &zero}), Error);
    EXPECT_THROW(run1(make_node(OpKind::Range, 11), {&s, &li, &di}), Error);
    auto out = infer(make_node(OpKind::Range, 11), {vt(DType::f32, Shape{}, &s), vt(DType::f32, Shape{}, &l),
                                                    vt(DType::f32, Shape{}, &d)});
    EXPECT_EQ(out[0].shape.dims, (std::vector<int64_t>{3}));
    out = infer(make_node(OpKind::Range, 11), {vt(DType::f32, Shape{}), vt(DType::f32, Shape{}, &l),
                                               vt(DType::f32, Shape{}, &d)});
    EXPECT_EQ(out[0].shape.to_string(), "[?]");
}
