// Reference kernels of MatMul, Gemm, the reductions, Softmax/LogSoftmax, LayerNormalization and
// CumSum, checked against hand-computed values and against numpy (run through /usr/bin/python3).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "ir/error.h"
#include "ops/op_table.h"

using namespace frugal;

namespace {

Node make_node(OpKind op, int64_t opset = 17, Attributes attrs = {}) {
    // Built by designated initializers: assigning the name afterwards trips a GCC 12 -Wrestrict
    // false positive in std::string.
    return Node{.name = "n", .op = op, .opset = opset, .inputs = {}, .outputs = {}, .attrs = std::move(attrs), .dead = false};
}

std::vector<Tensor> run(const Node& n, std::vector<const Tensor*> inputs, size_t outputs = 1) {
    std::vector<Tensor> out(outputs);
    evaluate_node(n, inputs, out);
    return out;
}

// Output types inferred for static inputs (constants passed where given).
std::vector<ValueType> infer(const Node& n, std::vector<ValueType> inputs, size_t outputs = 1) {
    std::vector<ValueType> out(outputs);
    infer_node(n, inputs, out);
    return out;
}

ValueType vt(DType t, PartialShape s, const Tensor* constant = nullptr) {
    ValueType v;
    v.dtype = t;
    v.shape = std::move(s);
    v.constant = constant;
    return v;
}

std::vector<float> iota_floats(int64_t n, float scale = 0.1f, float offset = -1.0f) {
    std::vector<float> v(static_cast<size_t>(n));
    // A deterministic, sign-mixed sequence that is not monotonic (so max/argmax are not trivial).
    for (int64_t i = 0; i < n; ++i) v[size_t(i)] = offset + scale * float((i * 7) % 23) - 0.01f * float(i % 5);
    return v;
}

std::vector<double> values(const Tensor& t) {
    std::vector<double> v(size_t(t.numel()));
    for (int64_t i = 0; i < t.numel(); ++i) v[size_t(i)] = t.double_at(i);
    return v;
}

std::string py_array(const Tensor& t) {
    std::ostringstream s;
    s.precision(17);
    s << "np.array([";
    for (int64_t i = 0; i < t.numel(); ++i) s << (i ? "," : "") << t.double_at(i);
    s << "], dtype=np." << dtype_name(t.dtype) << ").reshape(" << shape_to_string(t.shape) << ")";
    return s.str();
}

bool have_numpy() {
    static int ok = -1;
    if (ok < 0) ok = std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
    return ok == 1;
}

// Runs `expr` in numpy with the named tensors bound; returns the shape and the flat values.
std::pair<Shape, std::vector<double>> numpy_eval(const std::vector<std::pair<std::string, const Tensor*>>& args,
                                                 const std::string& prelude, const std::string& expr) {
    std::ostringstream script;
    script << "import numpy as np\n";
    for (auto& [name, t] : args) script << name << " = " << py_array(*t) << "\n";
    script << prelude << "\n";
    script << "r = np.asarray(" << expr << ")\n";
    script << "print(' '.join(str(d) for d in r.shape))\n";
    script << "print(' '.join(repr(float(x)) for x in r.ravel()))\n";
    // Unique per process and call: ctest may run tests of this binary in parallel.
    static int calls = 0;
    std::string path = testing::TempDir() + "frugal_ops_math_" + std::to_string(getpid()) + "_" +
                       std::to_string(calls++) + ".py";
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(script.str().c_str(), f);
    std::fclose(f);
    FILE* p = popen(("/usr/bin/python3 " + path).c_str(), "r");
    std::string text;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << script.str();
    std::remove(path.c_str());
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    Shape shape;
    std::istringstream ls(line);
    for (int64_t d; ls >> d;) shape.push_back(d);
    std::getline(in, line);
    std::vector<double> v;
    std::istringstream vs(line);
    for (std::string w; vs >> w;) v.push_back(std::stod(w));
    return {shape, v};
}

void expect_close(const Tensor& got, const std::pair<Shape, std::vector<double>>& want, double rtol = 1e-5,
                  double atol = 1e-6) {
    ASSERT_EQ(got.shape, want.first);
    std::vector<double> g = values(got);
    ASSERT_EQ(g.size(), want.second.size());
    for (size_t i = 0; i < g.size(); ++i)
        EXPECT_NEAR(g[i], want.second[i], atol + rtol * std::fabs(want.second[i])) << "element " << i;
}

void expect_values(const Tensor& got, const Shape& shape, const std::vector<double>& want) {
    ASSERT_EQ(got.shape, shape);
    std::vector<double> g = values(got);
    ASSERT_EQ(g.size(), want.size());
    for (size_t i = 0; i < g.size(); ++i) EXPECT_DOUBLE_EQ(g[i], want[i]) << "element " << i;
}

Attributes attrs_of(std::initializer_list<std::pair<const char*, AttributeValue>> kv) {
    Attributes a;
    for (auto& [k, v] : kv) a.set(k, v);
    return a;
}

}  // namespace

// ---------------------------------------------------------------- MatMul

TEST(OpsMathMatMul, TwoByTwoByHand) {
    Tensor a = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor b = Tensor::from_vector<float>({3, 2}, {7, 8, 9, 10, 11, 12});
    auto y = run(make_node(OpKind::MatMul, 13), {&a, &b});
    expect_values(y[0], {2, 2}, {58, 64, 139, 154});
}

TEST(OpsMathMatMul, BatchBroadcastMatchesNumpy) {
    if (!have_numpy()) GTEST_SKIP() << "numpy not available";
    Tensor a = Tensor::from_vector<float>({2, 1, 3, 4}, iota_floats(24));
    Tensor b = Tensor::from_vector<float>({3, 4, 5}, iota_floats(60, 0.05f, -0.5f));
    auto y = run(make_node(OpKind::MatMul, 13), {&a, &b});
    expect_close(y[0], numpy_eval({{"a", &a}, {"b", &b}}, "", "np.matmul(a, b)"));
    EXPECT_EQ(y[0].shape, (Shape{2, 3, 3, 5}));
}

TEST(OpsMathMatMul, OneDimensionalOperands) {
    Tensor v3 = Tensor::from_vector<float>({3}, {1, 2, 3});
    Tensor m32 = Tensor::from_vector<float>({3, 2}, {1, 2, 3, 4, 5, 6});
    Tensor m23 = Tensor::from_vector<float>({2, 3}, {1, 0, 1, 0, 1, 0});
    Tensor b234 = Tensor::from_vector<float>({2, 2, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1});
    Node n = make_node(OpKind::MatMul, 13);
    expect_values(run(n, {&v3, &m32})[0], {2}, {22, 28});
    expect_values(run(n, {&m23, &v3})[0], {2}, {4, 2});
    expect_values(run(n, {&v3, &v3})[0], {}, {14});
    expect_values(run(n, {&b234, &v3})[0], {2, 2}, {1, 2, 3, 6});
    // Inference agrees on the ranks.
    EXPECT_EQ(infer(n, {vt(DType::f32, Shape{3}), vt(DType::f32, Shape{3, 2})})[0].shape.dims, (Shape{2}));
    EXPECT_EQ(infer(n, {vt(DType::f32, Shape{3}), vt(DType::f32, Shape{3})})[0].shape.dims, Shape{});
    EXPECT_EQ(infer(n, {vt(DType::f32, Shape{2, 2, 3}), vt(DType::f32, Shape{3})})[0].shape.dims, (Shape{2, 2}));
}

TEST(OpsMathMatMul, InnerDimensionMismatchIsAnError) {
    Tensor a = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor b = Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4});
    Node n = make_node(OpKind::MatMul, 13);
    EXPECT_THROW(run(n, {&a, &b}), Error);
    EXPECT_THROW(infer(n, {vt(DType::f32, Shape{2, 3}), vt(DType::f32, Shape{2, 2})}), Error);
    // Batch dims that do not broadcast, and a scalar operand.
    Tensor c = Tensor::from_vector<float>({2, 3, 3}, std::vector<float>(18, 1));
    Tensor d = Tensor::from_vector<float>({3, 3, 3}, std::vector<float>(27, 1));
    EXPECT_THROW(run(n, {&c, &d}), Error);
    Tensor s = Tensor::scalar<float>(2);
    EXPECT_THROW(run(n, {&s, &a}), Error);
    Tensor i = Tensor::from_vector<int32_t>({3, 2}, {1, 2, 3, 4, 5, 6});
    EXPECT_THROW(run(n, {&a, &i}), Error);
}

TEST(OpsMathMatMul, InferDynamicDims) {
    Node n = make_node(OpKind::MatMul, 13);
    PartialShape a = PartialShape::of_rank(3);
    a.dims = {kDynamic, kDynamic, 768};
    auto out = infer(n, {vt(DType::f32, a), vt(DType::f32, Shape{768, 2304})});
    EXPECT_EQ(out[0].shape.dims, (Shape{kDynamic, kDynamic, 2304}));
    EXPECT_FALSE(infer(n, {vt(DType::f32, PartialShape::unknown_rank()), vt(DType::f32, Shape{4, 4})})[0].shape.rank_known);
}

TEST(OpsMathMatMul, IntegerTypesWrapLikeTheElementType) {
    Tensor a = Tensor::from_vector<int32_t>({1, 2}, {65536, -3});
    Tensor b = Tensor::from_vector<int32_t>({2, 1}, {65536, 5});
    auto y = run(make_node(OpKind::MatMul, 13), {&a, &b});
    // 2^32 wraps to 0 in int32.
    EXPECT_EQ(y[0].data<int32_t>()[0], -15);
    Tensor c = Tensor::from_vector<int64_t>({2, 2}, {1, -2, 3, 4});
    auto z = run(make_node(OpKind::MatMul, 13), {&c, &c});
    expect_values(z[0], {2, 2}, {-5, -10, 15, 10});
    Tensor u = Tensor::from_vector<uint32_t>({1, 1}, {4000000000u});
    Tensor two = Tensor::from_vector<uint32_t>({1, 1}, {2});
    EXPECT_EQ(run(make_node(OpKind::MatMul, 13), {&u, &two})[0].data<uint32_t>()[0], uint32_t(8000000000ull));
}

TEST(OpsMathMatMul, HalfPrecisionAccumulatesInFloat) {
    std::vector<f16> av, bv;
    for (float f : {0.5f, 1.5f, -2.0f, 4.0f}) av.push_back(float_to_f16(f));
    for (float f : {1.0f, 2.0f, 3.0f, 0.25f}) bv.push_back(float_to_f16(f));
    Tensor a = Tensor::from_vector<f16>({2, 2}, av);
    Tensor b = Tensor::from_vector<f16>({2, 2}, bv);
    auto y = run(make_node(OpKind::MatMul, 13), {&a, &b});
    EXPECT_EQ(y[0].dtype, DType::f16);
    expect_values(y[0], {2, 2}, {5.0, 1.375, 10.0, -3.0});
    std::vector<bf16> cv;
    for (float f : {1.0f, 2.0f, 3.0f, 4.0f}) cv.push_back(float_to_bf16(f));
    Tensor c = Tensor::from_vector<bf16>({2, 2}, cv);
    expect_values(run(make_node(OpKind::MatMul, 13), {&c, &c})[0], {2, 2}, {7, 10, 15, 22});
}

TEST(OpsMathMatMul, GptSizedProductAgreesWithDoubleReference) {
    // [32,768] x [768,2304], checked on a sample of outputs against a double dot product.
    const int64_t m = 32, k = 768, n = 2304;
    Tensor a = Tensor::from_vector<float>({m, k}, iota_floats(m * k, 0.01f, -0.1f));
    Tensor b = Tensor::from_vector<float>({k, n}, iota_floats(k * n, 0.003f, -0.03f));
    auto y = run(make_node(OpKind::MatMul, 13), {&a, &b});
    const float* pa = a.data<float>();
    const float* pb = b.data<float>();
    for (int64_t i = 0; i < m; i += 7)
        for (int64_t j = 0; j < n; j += 331) {
            double s = 0;
            for (int64_t p = 0; p < k; ++p) s += double(pa[i * k + p]) * double(pb[p * n + j]);
            EXPECT_NEAR(y[0].data<float>()[i * n + j], s, 1e-4 * (1 + std::fabs(s)));
        }
}

// ---------------------------------------------------------------- Gemm

TEST(OpsMathGemm, TransposesAlphaBetaAndBiasBroadcastMatchNumpy) {
    if (!have_numpy()) GTEST_SKIP() << "numpy not available";
    Tensor a = Tensor::from_vector<float>({4, 3}, iota_floats(12));  // used as A^T: M=3, K=4
    Tensor b = Tensor::from_vector<float>({5, 4}, iota_floats(20, 0.07f));  // used as B^T: N=5
    Tensor c_row = Tensor::from_vector<float>({5}, {1, 2, 3, 4, 5});
    Tensor c_col = Tensor::from_vector<float>({3, 1}, {-1, 0, 1});
    Tensor c_scalar = Tensor::scalar<float>(0.5f);
    Node n = make_node(OpKind::Gemm, 13,
                       attrs_of({{"transA", int64_t(1)}, {"transB", int64_t(1)}, {"alpha", 0.25f}, {"beta", 0.35f}}));
    for (const Tensor* c : {&c_row, &c_col, &c_scalar}) {
        auto y = run(n, {&a, &b, c});
        expect_close(y[0], numpy_eval({{"a", &a}, {"b", &b}, {"c", c}}, "", "0.25 * a.T @ b.T + 0.35 * c"));
    }
    // No C, only transA.
    Tensor b2 = Tensor::from_vector<float>({4, 2}, iota_floats(8, 0.3f));
    Node nt = make_node(OpKind::Gemm, 13, attrs_of({{"transA", int64_t(1)}}));
    expect_close(run(nt, {&a, &b2})[0], numpy_eval({{"a", &a}, {"b", &b2}}, "", "a.T @ b"));
    EXPECT_EQ(infer(nt, {vt(DType::f32, Shape{4, 3}), vt(DType::f32, Shape{4, 2})})[0].shape.dims, (Shape{3, 2}));
}

TEST(OpsMathGemm, ByHandAndErrors) {
    Tensor a = Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4});
    Tensor b = Tensor::from_vector<float>({2, 2}, {1, 0, 0, 1});
    Tensor c = Tensor::from_vector<float>({2, 2}, {10, 20, 30, 40});
    expect_values(run(make_node(OpKind::Gemm, 13), {&a, &b, &c})[0], {2, 2}, {11, 22, 33, 44});
    Node tb = make_node(OpKind::Gemm, 13, attrs_of({{"transB", int64_t(1)}}));
    Tensor b3 = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    EXPECT_THROW(run(tb, {&a, &b3}), Error);  // B^T is [3,2], A is [2,2]
    Tensor bad_c = Tensor::from_vector<float>({3}, {1, 2, 3});
    EXPECT_THROW(run(make_node(OpKind::Gemm, 13), {&a, &b, &bad_c}), Error);
    Tensor v = Tensor::from_vector<float>({2}, {1, 2});
    EXPECT_THROW(run(make_node(OpKind::Gemm, 13), {&v, &b}), Error);
    Tensor ia = Tensor::from_vector<int32_t>({1, 2}, {2, 3});
    Tensor ib = Tensor::from_vector<int32_t>({2, 1}, {4, 5});
    Tensor ic = Tensor::scalar<int32_t>(-1);
    EXPECT_EQ(run(make_node(OpKind::Gemm, 13), {&ia, &ib, &ic})[0].data<int32_t>()[0], 22);
}

// ---------------------------------------------------------------- Reductions

TEST(OpsMathReduce, NegativeAxesWithoutKeepdimsMatchNumpy) {
    if (!have_numpy()) GTEST_SKIP() << "numpy not available";
    Tensor x = Tensor::from_vector<float>({2, 3, 4}, iota_floats(24));
    Tensor axes = Tensor::from_vector<int64_t>({2}, {-1, 0});
    struct Case {
        OpKind op;
        const char* np;
    } cases[] = {{OpKind::ReduceSum, "np.sum"},
                 {OpKind::ReduceMean, "np.mean"},
                 {OpKind::ReduceMax, "np.max"},
                 {OpKind::ReduceMin, "np.min"},
                 {OpKind::ReduceProd, "np.prod"}};
    for (const Case& c : cases) {
        Node n = make_node(c.op, 18, attrs_of({{"keepdims", int64_t(0)}}));
        auto y = run(n, {&x, &axes});
        expect_close(y[0], numpy_eval({{"x", &x}}, "", std::string(c.np) + "(x, axis=(2, 0), keepdims=False)"));
        auto t = infer(n, {vt(DType::f32, Shape{2, 3, 4}), vt(DType::i64, Shape{2}, &axes)});
        EXPECT_EQ(t[0].shape.dims, (Shape{3}));
        // keepdims=1 keeps the reduced dims as 1.
        Node k = make_node(c.op, 18);
        expect_close(run(k, {&x, &axes})[0],
                     numpy_eval({{"x", &x}}, "", std::string(c.np) + "(x, axis=(2, 0), keepdims=True)"));
    }
}

TEST(OpsMathReduce, AxesAttributeBeforeTheInputOpset) {
    Tensor x = Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4});
    Node sum11 = make_node(OpKind::ReduceSum, 11, attrs_of({{"axes", std::vector<int64_t>{1}}}));
    expect_values(run(sum11, {&x})[0], {2, 1}, {3, 7});
    Node max13 = make_node(OpKind::ReduceMax, 13, attrs_of({{"axes", std::vector<int64_t>{0}}, {"keepdims", int64_t(0)}}));
    expect_values(run(max13, {&x})[0], {2}, {3, 4});
    // An axes input where the opset wants the attribute is rejected.
    Tensor axes = Tensor::from_vector<int64_t>({1}, {0});
    EXPECT_THROW(run(make_node(OpKind::ReduceMax, 13), {&x, &axes}), Error);
    // ReduceSum takes the input from 13.
    expect_values(run(make_node(OpKind::ReduceSum, 13), {&x, &axes})[0], {1, 2}, {4, 6});
}

TEST(OpsMathReduce, EmptyAxesReduceAllOrNothing) {
    Tensor x = Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4});
    Tensor none = Tensor::from_vector<int64_t>({0}, {});
    expect_values(run(make_node(OpKind::ReduceSum, 13), {&x, &none})[0], {1, 1}, {10});
    expect_values(run(make_node(OpKind::ReduceProd, 18), {&x})[0], {1, 1}, {24});
    Node noop = make_node(OpKind::ReduceSum, 13, attrs_of({{"noop_with_empty_axes", int64_t(1)}}));
    auto y = run(noop, {&x, &none});
    expect_values(y[0], {2, 2}, {1, 2, 3, 4});
    EXPECT_EQ(y[0].buffer, x.buffer);  // the identity shares the input's bytes
    EXPECT_EQ(infer(noop, {vt(DType::f32, Shape{2, 2}), vt(DType::i64, Shape{0}, &none)})[0].shape.dims, (Shape{2, 2}));
    Node all = make_node(OpKind::ReduceMean, 18, attrs_of({{"keepdims", int64_t(0)}}));
    expect_values(run(all, {&x})[0], {}, {2.5});
}

TEST(OpsMathReduce, EmptySetGivesTheIdentity) {
    Tensor x = Tensor::empty(DType::f32, {2, 0});
    Tensor ax = Tensor::from_vector<int64_t>({1}, {1});
    Attributes a = attrs_of({{"keepdims", int64_t(0)}});
    expect_values(run(make_node(OpKind::ReduceSum, 18, a), {&x, &ax})[0], {2}, {0, 0});
    expect_values(run(make_node(OpKind::ReduceProd, 18, a), {&x, &ax})[0], {2}, {1, 1});
    expect_values(run(make_node(OpKind::ReduceMax, 18, a), {&x, &ax})[0], {2}, {-INFINITY, -INFINITY});
    expect_values(run(make_node(OpKind::ReduceMin, 18, a), {&x, &ax})[0], {2}, {INFINITY, INFINITY});
    EXPECT_TRUE(std::isnan(run(make_node(OpKind::ReduceMean, 18, a), {&x, &ax})[0].data<float>()[0]));
    Tensor xi = Tensor::empty(DType::i32, {2, 0});
    EXPECT_EQ(run(make_node(OpKind::ReduceMax, 18, a), {&xi, &ax})[0].data<int32_t>()[0],
              std::numeric_limits<int32_t>::lowest());
}

TEST(OpsMathReduce, IntegersAndNaN) {
    Tensor x = Tensor::from_vector<int64_t>({2, 3}, {1, -5, 3, 7, 2, -8});
    Tensor ax = Tensor::from_vector<int64_t>({1}, {-1});
    expect_values(run(make_node(OpKind::ReduceSum, 18), {&x, &ax})[0], {2, 1}, {-1, 1});
    expect_values(run(make_node(OpKind::ReduceMax, 18), {&x, &ax})[0], {2, 1}, {3, 7});
    expect_values(run(make_node(OpKind::ReduceMin, 18), {&x, &ax})[0], {2, 1}, {-5, -8});
    expect_values(run(make_node(OpKind::ReduceProd, 18), {&x, &ax})[0], {2, 1}, {-15, -112});
    expect_values(run(make_node(OpKind::ReduceMean, 18), {&x, &ax})[0], {2, 1}, {0, 0});  // -1/3 and 1/3 truncate
    Tensor f = Tensor::from_vector<float>({3}, {1, NAN, 2});
    EXPECT_TRUE(std::isnan(run(make_node(OpKind::ReduceMax, 18), {&f})[0].data<float>()[0]));
    EXPECT_TRUE(std::isnan(run(make_node(OpKind::ReduceMin, 18), {&f})[0].data<float>()[0]));
}

TEST(OpsMathReduce, BadAxesAreErrors) {
    Tensor x = Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4});
    Tensor out_of_range = Tensor::from_vector<int64_t>({1}, {2});
    Tensor twice = Tensor::from_vector<int64_t>({2}, {1, -1});
    EXPECT_THROW(run(make_node(OpKind::ReduceSum, 13), {&x, &out_of_range}), Error);
    EXPECT_THROW(run(make_node(OpKind::ReduceSum, 13), {&x, &twice}), Error);
    EXPECT_THROW(infer(make_node(OpKind::ReduceSum, 13), {vt(DType::f32, Shape{2, 2}), vt(DType::i64, Shape{1}, &out_of_range)}),
                 Error);
    Tensor b = Tensor::from_vector<bool>({2}, {true, false});
    EXPECT_THROW(run(make_node(OpKind::ReduceSum, 13), {&b}), Error);
}

TEST(OpsMathReduce, InferWithUnknownAxes) {
    Node keep = make_node(OpKind::ReduceSum, 13);
    auto k = infer(keep, {vt(DType::f32, Shape{2, 3, 4}), vt(DType::i64, Shape{2})});
    EXPECT_EQ(k[0].shape.dims, (Shape{kDynamic, kDynamic, kDynamic}));
    Node drop = make_node(OpKind::ReduceSum, 13, attrs_of({{"keepdims", int64_t(0)}}));
    auto d = infer(drop, {vt(DType::f32, Shape{2, 3, 4}), vt(DType::i64, Shape{2})});
    EXPECT_EQ(d[0].shape.rank(), 1u);
}

// ---------------------------------------------------------------- Softmax

TEST(OpsMathSoftmax, Opset11CoercesTo2DAndOpset13UsesOneAxis) {
    if (!have_numpy()) GTEST_SKIP() << "numpy not available";
    Tensor x = Tensor::from_vector<float>({2, 3, 4}, iota_floats(24, 0.4f));
    const char* prelude =
        "def sm(v, ax):\n"
        "    e = np.exp(v - v.max(axis=ax, keepdims=True))\n"
        "    return e / e.sum(axis=ax, keepdims=True)\n";
    Node s11 = make_node(OpKind::Softmax, 11, attrs_of({{"axis", int64_t(1)}}));
    Node s13 = make_node(OpKind::Softmax, 13, attrs_of({{"axis", int64_t(1)}}));
    auto y11 = run(s11, {&x});
    auto y13 = run(s13, {&x});
    expect_close(y11[0], numpy_eval({{"x", &x}}, prelude, "sm(x.reshape(2, 12), 1).reshape(2, 3, 4)"));
    expect_close(y13[0], numpy_eval({{"x", &x}}, prelude, "sm(x, 1)"));
    EXPECT_NE(values(y11[0]), values(y13[0]));
    // Defaults: axis 1 before 13, -1 from 13.
    expect_close(run(make_node(OpKind::Softmax, 11), {&x})[0],
                 numpy_eval({{"x", &x}}, prelude, "sm(x.reshape(2, 12), 1).reshape(2, 3, 4)"));
    expect_close(run(make_node(OpKind::Softmax, 13), {&x})[0], numpy_eval({{"x", &x}}, prelude, "sm(x, -1)"));
    Node ls11 = make_node(OpKind::LogSoftmax, 11, attrs_of({{"axis", int64_t(-2)}}));
    expect_close(run(ls11, {&x})[0], numpy_eval({{"x", &x}}, prelude, "np.log(sm(x.reshape(2, 12), 1)).reshape(2, 3, 4)"));
    Node ls13 = make_node(OpKind::LogSoftmax, 13, attrs_of({{"axis", int64_t(0)}}));
    expect_close(run(ls13, {&x})[0], numpy_eval({{"x", &x}}, prelude, "np.log(sm(x, 0))"));
}

TEST(OpsMathSoftmax, LargeNumbersAreStable) {
    Tensor x = Tensor::from_vector<float>({1, 3}, {10000, 10001, 10002});
    auto y = run(make_node(OpKind::Softmax, 13), {&x});
    double e0 = std::exp(-2.0), e1 = std::exp(-1.0), s = e0 + e1 + 1;
    const float* p = y[0].data<float>();
    EXPECT_NEAR(p[0], e0 / s, 1e-6);
    EXPECT_NEAR(p[1], e1 / s, 1e-6);
    EXPECT_NEAR(p[2], 1 / s, 1e-6);
    auto l = run(make_node(OpKind::LogSoftmax, 13), {&x});
    EXPECT_NEAR(l[0].data<float>()[2], -std::log(s), 1e-6);
}

TEST(OpsMathSoftmax, Errors) {
    Tensor x = Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4});
    EXPECT_THROW(run(make_node(OpKind::Softmax, 13, attrs_of({{"axis", int64_t(2)}})), {&x}), Error);
    Tensor i = Tensor::from_vector<int32_t>({2}, {1, 2});
    EXPECT_THROW(run(make_node(OpKind::Softmax, 13), {&i}), Error);
    EXPECT_THROW(infer(make_node(OpKind::LogSoftmax, 13, attrs_of({{"axis", int64_t(-3)}})), {vt(DType::f32, Shape{2, 2})}),
                 Error);
}

// ---------------------------------------------------------------- LayerNormalization

TEST(OpsMathLayerNorm, MatchesTheDirectFormula) {
    if (!have_numpy()) GTEST_SKIP() << "numpy not available";
    Tensor x = Tensor::from_vector<float>({2, 3, 4}, iota_floats(24, 0.3f));
    Tensor scale = Tensor::from_vector<float>({3, 4}, iota_floats(12, 0.2f, 0.5f));
    Tensor bias = Tensor::from_vector<float>({3, 4}, iota_floats(12, -0.1f, 0.3f));
    Node n = make_node(OpKind::LayerNormalization, 17, attrs_of({{"axis", int64_t(-2)}, {"epsilon", 1e-3f}}));
    auto y = run(n, {&x, &scale, &bias}, 3);
    std::string prelude =
        "mu = x.mean(axis=(1, 2), keepdims=True)\n"
        "inv = 1 / np.sqrt(((x - mu) ** 2).mean(axis=(1, 2), keepdims=True) + 1e-3)\n";
    expect_close(y[0], numpy_eval({{"x", &x}, {"s", &scale}, {"b", &bias}}, prelude, "(x - mu) * inv * s + b"));
    expect_close(y[1], numpy_eval({{"x", &x}}, prelude, "mu"));
    expect_close(y[2], numpy_eval({{"x", &x}}, prelude, "inv"));
    EXPECT_EQ(y[1].dtype, DType::f32);
    auto t = infer(n, {vt(DType::f32, Shape{2, 3, 4}), vt(DType::f32, Shape{3, 4}), vt(DType::f32, Shape{3, 4})}, 3);
    EXPECT_EQ(t[1].shape.dims, (Shape{2, 1, 1}));
    EXPECT_EQ(t[2].dtype, DType::f32);
}

TEST(OpsMathLayerNorm, DefaultAxisWithoutBiasByHand) {
    Tensor x = Tensor::from_vector<float>({2, 2}, {1, 3, 2, 2});
    Tensor scale = Tensor::from_vector<float>({2}, {2, 1});
    auto y = run(make_node(OpKind::LayerNormalization, 17, attrs_of({{"epsilon", 0.0f}})), {&x, &scale});
    // Row 0: mean 2, variance 1 -> [-1, 1] * [2, 1]. Row 1: variance 0, eps 0 -> 0 * inf = NaN.
    EXPECT_FLOAT_EQ(y[0].data<float>()[0], -2);
    EXPECT_FLOAT_EQ(y[0].data<float>()[1], 1);
    auto z = run(make_node(OpKind::LayerNormalization, 17), {&x, &scale});
    EXPECT_FLOAT_EQ(z[0].data<float>()[2], 0);
}

TEST(OpsMathLayerNorm, StashTypeAndErrors) {
    Tensor x = Tensor::from_vector<float>({2, 2}, {1, 3, 2, 4});
    Tensor scale = Tensor::from_vector<float>({2}, {1, 1});
    Node bf = make_node(OpKind::LayerNormalization, 17, attrs_of({{"stash_type", int64_t(16)}}));
    auto y = run(bf, {&x, &scale}, 3);
    EXPECT_EQ(y[1].dtype, DType::bf16);
    EXPECT_EQ(y[1].double_at(1), 3.0);
    Tensor bad = Tensor::from_vector<float>({3}, {1, 1, 1});
    EXPECT_THROW(run(make_node(OpKind::LayerNormalization, 17), {&x, &bad}), Error);
    EXPECT_THROW(run(make_node(OpKind::LayerNormalization, 17, attrs_of({{"axis", int64_t(2)}})), {&x, &scale}), Error);
    EXPECT_THROW(run(make_node(OpKind::LayerNormalization, 17, attrs_of({{"stash_type", int64_t(7)}})), {&x, &scale}),
                 Error);
    Tensor half = Tensor::from_vector<f16>({2}, {float_to_f16(1), float_to_f16(1)});
    EXPECT_THROW(run(make_node(OpKind::LayerNormalization, 17), {&x, &half}), Error);
}

// ---------------------------------------------------------------- CumSum

TEST(OpsMathCumSum, ExclusiveReverseAndAxes) {
    Tensor x = Tensor::from_vector<double>({5}, {1, 2, 3, 4, 5});
    Tensor ax0 = Tensor::scalar<int32_t>(0);
    auto attrs = [](int64_t exclusive, int64_t reverse) {
        return attrs_of({{"exclusive", exclusive}, {"reverse", reverse}});
    };
    expect_values(run(make_node(OpKind::CumSum, 14), {&x, &ax0})[0], {5}, {1, 3, 6, 10, 15});
    expect_values(run(make_node(OpKind::CumSum, 14, attrs(1, 0)), {&x, &ax0})[0], {5}, {0, 1, 3, 6, 10});
    expect_values(run(make_node(OpKind::CumSum, 14, attrs(0, 1)), {&x, &ax0})[0], {5}, {15, 14, 12, 9, 5});
    expect_values(run(make_node(OpKind::CumSum, 14, attrs(1, 1)), {&x, &ax0})[0], {5}, {14, 12, 9, 5, 0});
    Tensor m = Tensor::from_vector<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor neg = Tensor::from_vector<int64_t>({1}, {-1});
    Tensor zero = Tensor::scalar<int64_t>(0);
    expect_values(run(make_node(OpKind::CumSum, 14), {&m, &neg})[0], {2, 3}, {1, 3, 6, 4, 9, 15});
    expect_values(run(make_node(OpKind::CumSum, 14), {&m, &zero})[0], {2, 3}, {1, 2, 3, 5, 7, 9});
}

TEST(OpsMathCumSum, Errors) {
    Tensor x = Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4});
    Tensor far = Tensor::scalar<int64_t>(2);
    Tensor two = Tensor::from_vector<int64_t>({2}, {0, 1});
    Tensor fl = Tensor::scalar<float>(0);
    EXPECT_THROW(run(make_node(OpKind::CumSum, 14), {&x, &far}), Error);
    EXPECT_THROW(run(make_node(OpKind::CumSum, 14), {&x, &two}), Error);
    EXPECT_THROW(run(make_node(OpKind::CumSum, 14), {&x, &fl}), Error);
    EXPECT_THROW(infer(make_node(OpKind::CumSum, 14), {vt(DType::f32, Shape{2, 2}), vt(DType::i64, Shape{}, &far)}), Error);
}
