// Reference kernels of the elementwise ops: broadcasting, dtypes, error cases, Cast rules.
// Expected values are hand-computed or come from numpy (the command is noted where it matters).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ir/error.h"
#include "ir/onnx_dtype.h"
#include "ops/op_functions.h"
#include "ops/op_table.h"

using namespace frugal;

namespace {

Node make_node(OpKind op, Attributes attrs = {}) {
    Node n;
    n.name = "n";
    n.op = op;
    n.opset = 20;
    n.attrs = std::move(attrs);
    return n;
}

Tensor run(OpKind op, const std::vector<Tensor>& ins, Attributes attrs = {}) {
    Node n = make_node(op, std::move(attrs));
    std::vector<const Tensor*> ptrs;
    for (const Tensor& t : ins) ptrs.push_back(&t);
    std::vector<Tensor> outs(1);
    evaluate_node(n, ptrs, outs);
    return outs[0];
}

ValueType infer(OpKind op, const std::vector<ValueType>& ins, Attributes attrs = {}) {
    Node n = make_node(op, std::move(attrs));
    std::vector<ValueType> outs(1);
    infer_node(n, ins, outs);
    return outs[0];
}

ValueType vt(DType t, PartialShape s) {
    ValueType v;
    v.dtype = t;
    v.shape = std::move(s);
    return v;
}

template <class T>
std::vector<T> values(const Tensor& t) {
    EXPECT_EQ(t.dtype, dtype_of<T>());
    return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

std::vector<float> floats(const Tensor& t) {
    std::vector<float> v;
    for (int64_t i = 0; i < t.numel(); ++i) v.push_back(float(t.double_at(i)));
    return v;
}

Tensor f16_tensor(const Shape& s, const std::vector<float>& v) {
    std::vector<f16> h;
    for (float f : v) h.push_back(float_to_f16(f));
    return Tensor::from_vector<f16>(s, h);
}

Attributes attr(const std::string& name, AttributeValue v) {
    Attributes a;
    a.set(name, std::move(v));
    return a;
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

}  // namespace

TEST(OpsElementwise, AddBroadcastsRowAgainstMatrix) {
    Tensor a = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor b = Tensor::from_vector<float>({3}, {10, 20, 30});
    Tensor y = run(OpKind::Add, {a, b});
    EXPECT_EQ(y.shape, (Shape{2, 3}));
    EXPECT_EQ(values<float>(y), (std::vector<float>{11, 22, 33, 14, 25, 36}));
}

TEST(OpsElementwise, SubBroadcastsBothWays) {
    // [2,1,3] - [4,1] -> [2,4,3]: y[i,j,k] = a[i,0,k] - b[j,0]
    std::vector<float> av = {1, 2, 3, 4, 5, 6}, bv = {0, 10, 20, 30};
    Tensor y = run(OpKind::Sub, {Tensor::from_vector<float>({2, 1, 3}, av), Tensor::from_vector<float>({4, 1}, bv)});
    ASSERT_EQ(y.shape, (Shape{2, 4, 3}));
    std::vector<float> got = values<float>(y);
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 4; ++j)
            for (int k = 0; k < 3; ++k) EXPECT_EQ(got[size_t(i * 12 + j * 3 + k)], av[size_t(i * 3 + k)] - bv[size_t(j)]);
}

TEST(OpsElementwise, ScalarAndEmptyBroadcast) {
    Tensor y = run(OpKind::Mul, {Tensor::scalar<double>(2.5), Tensor::from_vector<double>({3}, {1, 2, 4})});
    EXPECT_EQ(y.shape, (Shape{3}));
    EXPECT_EQ(values<double>(y), (std::vector<double>{2.5, 5, 10}));
    Tensor e = run(OpKind::Add, {Tensor::empty(DType::f32, {0, 3}), Tensor::from_vector<float>({1, 3}, {1, 2, 3})});
    EXPECT_EQ(e.shape, (Shape{0, 3}));
}

TEST(OpsElementwise, IntegerArithmeticWraps) {
    EXPECT_EQ(values<uint8_t>(run(OpKind::Sub, {Tensor::from_vector<uint8_t>({2}, {3, 200}),
                                                Tensor::from_vector<uint8_t>({2}, {5, 100})})),
              (std::vector<uint8_t>{254, 100}));
    EXPECT_EQ(values<int32_t>(run(OpKind::Mul, {Tensor::from_vector<int32_t>({2}, {65536, -3}),
                                                Tensor::from_vector<int32_t>({2}, {65536, 7})})),
              (std::vector<int32_t>{0, -21}));
    EXPECT_EQ(values<int8_t>(run(OpKind::Add, {Tensor::scalar<int8_t>(127), Tensor::scalar<int8_t>(1)})),
              (std::vector<int8_t>{-128}));
    EXPECT_EQ(values<uint16_t>(run(OpKind::Mul, {Tensor::scalar<uint16_t>(65535), Tensor::scalar<uint16_t>(65535)})),
              (std::vector<uint16_t>{1}));
}

TEST(OpsElementwise, IntegerDivTruncatesTowardZero) {
    Tensor a = Tensor::from_vector<int32_t>({4}, {-7, 7, -7, std::numeric_limits<int32_t>::min()});
    Tensor b = Tensor::from_vector<int32_t>({4}, {2, -2, -2, -1});
    EXPECT_EQ(values<int32_t>(run(OpKind::Div, {a, b})),
              (std::vector<int32_t>{-3, -3, 3, std::numeric_limits<int32_t>::min()}));
    EXPECT_EQ(values<uint8_t>(run(OpKind::Div, {Tensor::from_vector<uint8_t>({3}, {16, 6, 250}),
                                                Tensor::from_vector<uint8_t>({3}, {11, 5, 3})})),
              (std::vector<uint8_t>{1, 1, 83}));
    EXPECT_THROW(run(OpKind::Div, {Tensor::scalar<int64_t>(1), Tensor::scalar<int64_t>(0)}), Error);
}

TEST(OpsElementwise, HalfArithmeticRoundsThroughFloat) {
    Tensor y = run(OpKind::Div, {f16_tensor({3}, {1, 3, 1}), f16_tensor({3}, {4, 3, 3})});
    EXPECT_EQ(y.dtype, DType::f16);
    // numpy: np.float16(1)/np.float16(3) == 0.3333 (0x3555)
    EXPECT_EQ(floats(y), (std::vector<float>{0.25f, 1.0f, f16_to_float(f16{0x3555})}));
    std::vector<bf16> bv = {float_to_bf16(1.5f), float_to_bf16(-2.0f)};
    Tensor z = run(OpKind::Add, {Tensor::from_vector<bf16>({2}, bv), Tensor::from_vector<bf16>({2}, bv)});
    EXPECT_EQ(floats(z), (std::vector<float>{3.0f, -4.0f}));
}

TEST(OpsElementwise, ModFollowsPythonSignUnlessFmod) {
    Tensor a = Tensor::from_vector<int8_t>({5}, {-7, 7, -7, 7, -128});
    Tensor b = Tensor::from_vector<int8_t>({5}, {3, -3, -3, 3, 7});
    // numpy.mod
    EXPECT_EQ(values<int8_t>(run(OpKind::Mod, {a, b})), (std::vector<int8_t>{2, -2, -1, 1, 5}));
    // numpy.fmod
    EXPECT_EQ(values<int8_t>(run(OpKind::Mod, {a, b}, attr("fmod", int64_t(1)))),
              (std::vector<int8_t>{-1, 1, -1, 1, -2}));
    Tensor f = run(OpKind::Mod, {Tensor::from_vector<float>({2}, {-7.5f, 7.5f}), Tensor::scalar<float>(2.0f)},
                   attr("fmod", int64_t(1)));
    EXPECT_EQ(values<float>(f), (std::vector<float>{-1.5f, 1.5f}));
    EXPECT_THROW(run(OpKind::Mod, {Tensor::scalar<float>(1.0f), Tensor::scalar<float>(2.0f)}), Error);
    EXPECT_THROW(infer(OpKind::Mod, {vt(DType::f32, Shape{2}), vt(DType::f32, Shape{2})}), Error);
    EXPECT_THROW(run(OpKind::Mod, {Tensor::scalar<int32_t>(1), Tensor::scalar<int32_t>(0)}), Error);
}

TEST(OpsElementwise, PowKeepsBaseTypeAndMixesExponentTypes) {
    Tensor y = run(OpKind::Pow, {Tensor::from_vector<float>({3}, {1, 2, 3}), Tensor::from_vector<int64_t>({3}, {4, 5, 6})});
    EXPECT_EQ(values<float>(y), (std::vector<float>{1, 32, 729}));
    Tensor z = run(OpKind::Pow, {Tensor::from_vector<int32_t>({3}, {2, 3, 4}), Tensor::from_vector<float>({3}, {0.5f, 2.0f, -1.0f})});
    EXPECT_EQ(values<int32_t>(z), (std::vector<int32_t>{1, 9, 0}));  // truncated: 1.414, 9, 0.25
    // 3^39 is exact in int64 but not in double.
    Tensor w = run(OpKind::Pow, {Tensor::from_vector<int64_t>({3}, {3, -1, 2}), Tensor::from_vector<int64_t>({3}, {39, -3, -1})});
    EXPECT_EQ(values<int64_t>(w), (std::vector<int64_t>{4052555153018976267LL, -1, 0}));
    ValueType t = infer(OpKind::Pow, {vt(DType::i32, Shape{3}), vt(DType::f32, PartialShape::of_rank(1))});
    EXPECT_EQ(t.dtype, DType::i32);
    EXPECT_EQ(t.shape.dims, (std::vector<int64_t>{3}));
}

TEST(OpsElementwise, MaxMinAreVariadicAndPropagateNaN) {
    Tensor a = Tensor::from_vector<float>({2, 2}, {1, 5, kNaN, 2});
    Tensor b = Tensor::from_vector<float>({2}, {3, 4});
    Tensor c = Tensor::scalar<float>(2.5f);
    std::vector<float> mx = values<float>(run(OpKind::Max, {a, b, c}));
    EXPECT_EQ(mx[0], 3);
    EXPECT_EQ(mx[1], 5);
    EXPECT_TRUE(std::isnan(mx[2]));
    EXPECT_EQ(mx[3], 4);
    std::vector<float> mn = values<float>(run(OpKind::Min, {a, b, c}));
    EXPECT_EQ(mn[0], 1);
    EXPECT_EQ(mn[1], 2.5f);
    EXPECT_TRUE(std::isnan(mn[2]));
    EXPECT_EQ(mn[3], 2);
    // NaN in a later input also wins.
    EXPECT_TRUE(std::isnan(values<float>(run(OpKind::Max, {Tensor::scalar<float>(1), Tensor::scalar<float>(kNaN)}))[0]));
    EXPECT_EQ(values<int8_t>(run(OpKind::Max, {Tensor::from_vector<int8_t>({3}, {-5, 0, 7})})),
              (std::vector<int8_t>{-5, 0, 7}));
    EXPECT_EQ(values<uint64_t>(run(OpKind::Min, {Tensor::from_vector<uint64_t>({2}, {~0ull, 3}), Tensor::scalar<uint64_t>(5)})),
              (std::vector<uint64_t>{5, 3}));
    EXPECT_THROW(run(OpKind::Max, {Tensor::scalar<float>(1), Tensor::scalar<double>(2)}), Error);
    EXPECT_THROW(run(OpKind::Min, {Tensor::from_vector<float>({2}, {1, 2}), Tensor::from_vector<float>({3}, {1, 2, 3})}), Error);
}

TEST(OpsElementwise, UnaryFloatFunctions) {
    std::vector<float> x = {-2.0f, -0.5f, 0.0f, 0.25f, 3.0f};
    Tensor t = Tensor::from_vector<float>({5}, x);
    struct Case {
        OpKind op;
        double (*fn)(double);
    };
    for (Case c : {Case{OpKind::Exp, [](double v) { return std::exp(v); }},
                   Case{OpKind::Tanh, [](double v) { return std::tanh(v); }},
                   Case{OpKind::Erf, [](double v) { return std::erf(v); }},
                   Case{OpKind::Sigmoid, [](double v) { return 1 / (1 + std::exp(-v)); }},
                   Case{OpKind::Floor, [](double v) { return std::floor(v); }},
                   Case{OpKind::Ceil, [](double v) { return std::ceil(v); }},
                   Case{OpKind::Sin, [](double v) { return std::sin(v); }},
                   Case{OpKind::Cos, [](double v) { return std::cos(v); }},
                   Case{OpKind::Reciprocal, [](double v) { return 1 / v; }}}) {
        std::vector<float> got = values<float>(run(c.op, {t}));
        for (size_t i = 0; i < x.size(); ++i) EXPECT_FLOAT_EQ(got[i], float(c.fn(x[i]))) << op_info(c.op).name << " " << x[i];
    }
    std::vector<float> s = values<float>(run(OpKind::Sqrt, {Tensor::from_vector<float>({3}, {4, 2, -1})}));
    EXPECT_EQ(s[0], 2.0f);
    EXPECT_FLOAT_EQ(s[1], std::sqrt(2.0f));
    EXPECT_TRUE(std::isnan(s[2]));
    std::vector<float> l = values<float>(run(OpKind::Log, {Tensor::from_vector<float>({3}, {1, 0, -1})}));
    EXPECT_EQ(l[0], 0.0f);
    EXPECT_EQ(l[1], -INFINITY);
    EXPECT_TRUE(std::isnan(l[2]));
    // Sigmoid saturates without overflow trouble.
    EXPECT_EQ(values<float>(run(OpKind::Sigmoid, {Tensor::from_vector<float>({2}, {-1000, 1000})})),
              (std::vector<float>{0.0f, 1.0f}));
}

TEST(OpsElementwise, UnaryHalfMatchesNumpy) {
    // numpy: (1/(1+np.exp(-x.astype(np.float64)))).astype(np.float16) for x = [-2, 0, 0.5, 4]
    Tensor y = run(OpKind::Sigmoid, {f16_tensor({4}, {-2, 0, 0.5f, 4})});
    EXPECT_EQ(y.dtype, DType::f16);
    std::vector<float> want = {0.1192f, 0.5f, 0.6226f, 0.982f};
    std::vector<float> got = floats(y);
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], f16_to_float(float_to_f16(want[i])));
}

TEST(OpsElementwise, IntegerCapableUnaryOps) {
    Tensor i8 = Tensor::from_vector<int8_t>({4}, {-128, -3, 0, 5});
    EXPECT_EQ(values<int8_t>(run(OpKind::Neg, {i8})), (std::vector<int8_t>{-128, 3, 0, -5}));
    EXPECT_EQ(values<int8_t>(run(OpKind::Abs, {i8})), (std::vector<int8_t>{-128, 3, 0, 5}));
    EXPECT_EQ(values<int8_t>(run(OpKind::Sign, {i8})), (std::vector<int8_t>{-1, -1, 0, 1}));
    EXPECT_EQ(values<int8_t>(run(OpKind::Relu, {i8})), (std::vector<int8_t>{0, 0, 0, 5}));
    EXPECT_EQ(values<uint32_t>(run(OpKind::Sign, {Tensor::from_vector<uint32_t>({2}, {0, 9})})),
              (std::vector<uint32_t>{0, 1}));
    std::vector<float> f = values<float>(run(OpKind::Sign, {Tensor::from_vector<float>({4}, {-0.5f, 0, 2, kNaN})}));
    EXPECT_EQ(f[0], -1);
    EXPECT_EQ(f[1], 0);
    EXPECT_EQ(f[2], 1);
    EXPECT_TRUE(std::isnan(f[3]));
    std::vector<float> r = values<float>(run(OpKind::Relu, {Tensor::from_vector<float>({3}, {-1, 2, kNaN})}));
    EXPECT_EQ(r[0], 0);
    EXPECT_EQ(r[1], 2);
    EXPECT_TRUE(std::isnan(r[2]));
    EXPECT_EQ(values<float>(run(OpKind::Abs, {Tensor::from_vector<float>({2}, {-1.5f, 2})})), (std::vector<float>{1.5f, 2}));
}

TEST(OpsElementwise, UnaryTypeErrors) {
    EXPECT_THROW(run(OpKind::Sqrt, {Tensor::scalar<int32_t>(4)}), Error);
    EXPECT_THROW(infer(OpKind::Exp, {vt(DType::i64, Shape{2})}), Error);
    EXPECT_THROW(run(OpKind::Neg, {Tensor::scalar<bool>(true)}), Error);
    // Erf-13 takes integers: erf(2) = 0.995 truncates to 0.
    EXPECT_EQ(values<int32_t>(run(OpKind::Erf, {Tensor::scalar<int32_t>(2)})), (std::vector<int32_t>{0}));
}

TEST(OpsElementwise, GeluExactAndTanh) {
    std::vector<float> x = {-3, -1, -0.5f, 0, 0.5f, 1, 3};
    Tensor t = Tensor::from_vector<float>({7}, x);
    // numpy: 0.5*x*(1+erf(x/sqrt(2))) and 0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x**3))) in float64
    std::vector<float> exact = {-0.00404969f, -0.15865526f, -0.15426877f, 0.0f, 0.34573123f, 0.8413448f, 2.9959502f};
    std::vector<float> approx = {-0.00363739f, -0.15880801f, -0.154286f, 0.0f, 0.345714f, 0.841192f, 2.9963627f};
    std::vector<float> g = values<float>(run(OpKind::Gelu, {t}));
    std::vector<float> h = values<float>(run(OpKind::Gelu, {t}, attr("approximate", std::string("tanh"))));
    for (size_t i = 0; i < x.size(); ++i) {
        EXPECT_NEAR(g[i], exact[i], 1e-6) << x[i];
        EXPECT_NEAR(h[i], approx[i], 1e-6) << x[i];
    }
    EXPECT_THROW(run(OpKind::Gelu, {t}, attr("approximate", std::string("fast"))), Error);
}

TEST(OpsElementwise, ComparisonsGiveBoolAndBroadcast) {
    Tensor a = Tensor::from_vector<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor b = Tensor::from_vector<int32_t>({3}, {2, 2, 7});
    EXPECT_EQ(values<bool>(run(OpKind::Equal, {a, b})), (std::vector<bool>{false, true, false, false, false, false}));
    EXPECT_EQ(values<bool>(run(OpKind::Less, {a, b})), (std::vector<bool>{true, false, true, false, false, true}));
    EXPECT_EQ(values<bool>(run(OpKind::Greater, {a, b})), (std::vector<bool>{false, false, false, true, true, false}));
    EXPECT_EQ(values<bool>(run(OpKind::LessOrEqual, {a, b})), (std::vector<bool>{true, true, true, false, false, true}));
    EXPECT_EQ(values<bool>(run(OpKind::GreaterOrEqual, {a, b})),
              (std::vector<bool>{false, true, false, true, true, false}));
    Tensor h = run(OpKind::Less, {f16_tensor({3}, {1, -2, kNaN}), f16_tensor({1}, {0.5f})});
    EXPECT_EQ(values<bool>(h), (std::vector<bool>{false, true, false}));
    EXPECT_EQ(values<bool>(run(OpKind::Equal, {Tensor::scalar<float>(kNaN), Tensor::scalar<float>(kNaN)})),
              (std::vector<bool>{false}));
    EXPECT_EQ(values<bool>(run(OpKind::Equal, {Tensor::from_vector<bool>({2}, {true, false}), Tensor::scalar<bool>(false)})),
              (std::vector<bool>{false, true}));
    EXPECT_THROW(run(OpKind::Greater, {Tensor::scalar<float>(1), Tensor::scalar<int32_t>(1)}), Error);
    ValueType t = infer(OpKind::Equal, {vt(DType::f32, PartialShape::of_rank(2)), vt(DType::f32, Shape{5})});
    EXPECT_EQ(t.dtype, DType::boolean);
    EXPECT_EQ(t.shape.dims, (std::vector<int64_t>{kDynamic, 5}));
}

TEST(OpsElementwise, LogicOps) {
    Tensor a = Tensor::from_vector<bool>({2, 2}, {true, true, false, false});
    Tensor b = Tensor::from_vector<bool>({2}, {true, false});
    EXPECT_EQ(values<bool>(run(OpKind::And, {a, b})), (std::vector<bool>{true, false, false, false}));
    EXPECT_EQ(values<bool>(run(OpKind::Or, {a, b})), (std::vector<bool>{true, true, true, false}));
    EXPECT_EQ(values<bool>(run(OpKind::Xor, {a, b})), (std::vector<bool>{false, true, true, false}));
    EXPECT_EQ(values<bool>(run(OpKind::Not, {a})), (std::vector<bool>{false, false, true, true}));
    EXPECT_THROW(run(OpKind::And, {Tensor::scalar<int32_t>(1), Tensor::scalar<bool>(true)}), Error);
    EXPECT_THROW(infer(OpKind::Not, {vt(DType::f32, Shape{1})}), Error);
}

TEST(OpsElementwise, WhereBroadcastsAllThree) {
    Tensor c = Tensor::from_vector<bool>({2, 1}, {true, false});
    Tensor x = Tensor::from_vector<int64_t>({3}, {1, 2, 3});
    Tensor y = Tensor::scalar<int64_t>(-1);
    Tensor w = run(OpKind::Where, {c, x, y});
    EXPECT_EQ(w.shape, (Shape{2, 3}));
    EXPECT_EQ(values<int64_t>(w), (std::vector<int64_t>{1, 2, 3, -1, -1, -1}));
    Tensor h = run(OpKind::Where, {Tensor::from_vector<bool>({2}, {false, true}), f16_tensor({2}, {1, 2}), f16_tensor({2}, {3, 4})});
    EXPECT_EQ(floats(h), (std::vector<float>{3, 2}));
    EXPECT_THROW(run(OpKind::Where, {Tensor::scalar<int32_t>(1), x, y}), Error);
    EXPECT_THROW(run(OpKind::Where, {c, x, Tensor::scalar<int32_t>(1)}), Error);
    ValueType t = infer(OpKind::Where, {vt(DType::boolean, PartialShape::of_rank(1)), vt(DType::f32, Shape{4, 1}),
                                        vt(DType::f32, Shape{1})});
    EXPECT_EQ(t.dtype, DType::f32);
    EXPECT_EQ(t.shape.dims, (std::vector<int64_t>{4, kDynamic}));
}

TEST(OpsElementwise, InferBroadcastsPartialShapes) {
    ValueType t = infer(OpKind::Add, {vt(DType::f32, PartialShape::of_rank(2)), vt(DType::f32, Shape{4, 1})});
    EXPECT_EQ(t.shape.dims, (std::vector<int64_t>{4, kDynamic}));
    PartialShape p = PartialShape::of_rank(2);
    p.dims[0] = 2;
    t = infer(OpKind::Mul, {vt(DType::f32, p), vt(DType::f32, Shape{3})});
    EXPECT_EQ(t.shape.dims, (std::vector<int64_t>{2, 3}));
    t = infer(OpKind::Sub, {vt(DType::f32, PartialShape::unknown_rank()), vt(DType::f32, Shape{3})});
    EXPECT_FALSE(t.shape.rank_known);
    t = infer(OpKind::Max, {vt(DType::i8, Shape{2, 1}), vt(DType::i8, Shape{3}), vt(DType::i8, Shape{})});
    EXPECT_EQ(t.shape.dims, (std::vector<int64_t>{2, 3}));
    EXPECT_THROW(infer(OpKind::Add, {vt(DType::f32, Shape{2, 3}), vt(DType::f32, Shape{4})}), Error);
    EXPECT_THROW(infer(OpKind::Add, {vt(DType::f32, Shape{2}), vt(DType::i32, Shape{2})}), Error);
    EXPECT_THROW(infer(OpKind::Add, {vt(DType::boolean, Shape{2}), vt(DType::boolean, Shape{2})}), Error);
}

TEST(OpsElementwise, NonBroadcastableShapesFail) {
    Tensor a = Tensor::empty(DType::f32, {2, 3});
    Tensor b = Tensor::empty(DType::f32, {2});
    for (OpKind op : {OpKind::Add, OpKind::Div, OpKind::Pow, OpKind::Equal}) EXPECT_THROW(run(op, {a, b}), Error);
    try {
        run(OpKind::Add, {a, b});
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("do not broadcast"), std::string::npos) << e.what();
    }
}

TEST(OpsElementwise, CastFloatToIntTruncatesAndSaturates) {
    Tensor x = Tensor::from_vector<float>({6}, {-1.7f, 1.7f, 1e10f, -1e10f, kNaN, 255.9f});
    Tensor y = run(OpKind::Cast, {x}, attr("to", int64_t(6)));
    EXPECT_EQ(values<int32_t>(y), (std::vector<int32_t>{-1, 1, std::numeric_limits<int32_t>::max(),
                                                         std::numeric_limits<int32_t>::min(), 0, 255}));
    EXPECT_EQ(values<uint8_t>(run(OpKind::Cast, {x}, attr("to", int64_t(2)))), (std::vector<uint8_t>{0, 1, 255, 0, 0, 255}));
    EXPECT_EQ(values<uint64_t>(run(OpKind::Cast, {Tensor::scalar<double>(1.8446744073709550e19)}, attr("to", int64_t(13)))),
              (std::vector<uint64_t>{18446744073709549568ull}));
}

TEST(OpsElementwise, CastBoolAndIntegerRules) {
    Tensor f = Tensor::from_vector<float>({4}, {0.0f, -0.0f, 0.1f, kNaN});
    EXPECT_EQ(values<bool>(run(OpKind::Cast, {f}, attr("to", int64_t(9)))), (std::vector<bool>{false, false, true, true}));
    Tensor b = Tensor::from_vector<bool>({2}, {true, false});
    EXPECT_EQ(values<float>(run(OpKind::Cast, {b}, attr("to", int64_t(1)))), (std::vector<float>{1, 0}));
    EXPECT_EQ(floats(run(OpKind::Cast, {b}, attr("to", int64_t(10)))), (std::vector<float>{1, 0}));
    // numpy astype: integers wrap.
    Tensor i = Tensor::from_vector<int64_t>({3}, {300, -1, 1LL << 40});
    EXPECT_EQ(values<uint8_t>(run(OpKind::Cast, {i}, attr("to", int64_t(2)))), (std::vector<uint8_t>{44, 255, 0}));
    EXPECT_EQ(values<int16_t>(run(OpKind::Cast, {i}, attr("to", int64_t(5)))), (std::vector<int16_t>{300, -1, 0}));
    EXPECT_EQ(values<bool>(run(OpKind::Cast, {i}, attr("to", int64_t(9)))), (std::vector<bool>{true, true, true}));
    EXPECT_EQ(values<double>(run(OpKind::Cast, {i}, attr("to", int64_t(11)))), (std::vector<double>{300, -1, 1099511627776.0}));
}

TEST(OpsElementwise, CastFloatRoundTrips) {
    // Values exactly representable in f16 and bf16 survive f32 -> half -> f32.
    std::vector<float> v = {0, 1, -2.5f, 0.375f, 1024, -65504, 6.1035156e-05f};
    Tensor x = Tensor::from_vector<float>({7}, v);
    Tensor h = run(OpKind::Cast, {x}, attr("to", int64_t(10)));
    EXPECT_EQ(h.dtype, DType::f16);
    EXPECT_EQ(values<float>(run(OpKind::Cast, {h}, attr("to", int64_t(1)))), v);
    std::vector<float> bv = {0, 1, -2.5f, 0.375f, 1024, 3.0f};
    Tensor bx = Tensor::from_vector<float>({6}, bv);
    Tensor bh = run(OpKind::Cast, {bx}, attr("to", int64_t(16)));
    EXPECT_EQ(bh.dtype, DType::bf16);
    EXPECT_EQ(values<float>(run(OpKind::Cast, {bh}, attr("to", int64_t(1)))), bv);
    // int32 -> f64 -> int32 is exact.
    std::vector<int32_t> iv = {std::numeric_limits<int32_t>::min(), -1, 0, 123456789};
    Tensor d = run(OpKind::Cast, {Tensor::from_vector<int32_t>({4}, iv)}, attr("to", int64_t(11)));
    EXPECT_EQ(values<int32_t>(run(OpKind::Cast, {d}, attr("to", int64_t(6)))), iv);
}

TEST(OpsElementwise, CastRoundsToNearestEvenOnce) {
    // f32 -> bf16 rounds to nearest even: 0.1f has bits 0x3DCCCCCD -> 0x3DCD (truncation gives 0x3DCC).
    Tensor b = run(OpKind::Cast, {Tensor::scalar<float>(0.1f)}, attr("to", int64_t(16)));
    EXPECT_EQ(b.data<bf16>()[0].bits, 0x3DCD);
    // double -> f16 in one rounding: 1 + 2^-11 + 2^-40 is just above a tie and rounds up, whereas going
    // through float first makes it an exact tie that rounds to even (1.0). numpy: np.float16(1+2**-11+2**-40) == 1.001
    Tensor h = run(OpKind::Cast, {Tensor::scalar<double>(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40))},
                   attr("to", int64_t(10)));
    EXPECT_EQ(floats(h)[0], 1.0f + std::ldexp(1.0f, -10));
    // int -> bf16 in one rounding: 2^25 + 2^17 + 1 is just above the bf16 midpoint 2^25 + 2^17 and
    // rounds up to 2^25 + 2^18; through float it would become that midpoint and round down to 2^25.
    Tensor ib = run(OpKind::Cast, {Tensor::from_vector<int32_t>({3}, {(1 << 25) + (1 << 17) + 1, -((1 << 25) + (1 << 17) + 1), 257})},
                    attr("to", int64_t(16)));
    EXPECT_EQ(floats(ib), (std::vector<float>{float((1 << 25) + (1 << 18)), -float((1 << 25) + (1 << 18)), 256.0f}));
    Tensor ih = run(OpKind::Cast, {Tensor::from_vector<int64_t>({4}, {2049, 2051, 65519, std::numeric_limits<int64_t>::min()})},
                    attr("to", int64_t(10)));
    EXPECT_EQ(floats(ih), (std::vector<float>{2048.0f, 2052.0f, 65504.0f, -INFINITY}));
    EXPECT_EQ(floats(run(OpKind::Cast, {Tensor::scalar<uint64_t>(~0ull)}, attr("to", int64_t(16))))[0], 18446744073709551616.0f);
    Tensor big = run(OpKind::Cast, {Tensor::scalar<double>(1e300)}, attr("to", int64_t(10)));
    EXPECT_EQ(floats(big)[0], INFINITY);
    Tensor nan = run(OpKind::Cast, {Tensor::scalar<double>(std::nan(""))}, attr("to", int64_t(16)));
    EXPECT_TRUE(std::isnan(floats(nan)[0]));
}

TEST(OpsElementwise, CastUnsupportedTypesFailClearly) {
    Tensor x = Tensor::scalar<float>(1);
    try {
        run(OpKind::Cast, {x}, attr("to", int64_t(8)));
        FAIL() << "Cast to STRING should fail";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("STRING"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("not supported"), std::string::npos) << e.what();
    }
    EXPECT_THROW(infer(OpKind::Cast, {vt(DType::f32, Shape{1})}, attr("to", int64_t(17))), Error);
    // The op itself reports an unsupported target as UnsupportedError so that a runner can skip it.
    std::vector<ValueType> in = {vt(DType::f32, Shape{1})}, out(1);
    EXPECT_THROW(ops::infer_cast(make_node(OpKind::Cast, attr("to", int64_t(8))), in, out), UnsupportedError);
    EXPECT_THROW(infer(OpKind::Cast, {vt(DType::f32, Shape{1})}, attr("to", int64_t(99))), Error);
    EXPECT_THROW(infer(OpKind::Cast, {vt(DType::f32, Shape{1})}), Error);  // `to` is required
}

TEST(OpsElementwise, CastSameTypeSharesBytesAndCastLikeTakesInputType) {
    Tensor x = Tensor::from_vector<float>({2}, {1.5f, -2.5f});
    Tensor y = run(OpKind::Cast, {x}, attr("to", int64_t(1)));
    EXPECT_EQ(y.buffer, x.buffer);
    Tensor z = run(OpKind::CastLike, {x, Tensor::empty(DType::i64, {0})});
    EXPECT_EQ(values<int64_t>(z), (std::vector<int64_t>{1, -2}));
    ValueType t = infer(OpKind::CastLike, {vt(DType::f32, PartialShape::of_rank(3)), vt(DType::f16, Shape{1})});
    EXPECT_EQ(t.dtype, DType::f16);
    EXPECT_EQ(t.shape.rank(), 3u);
    ValueType c = infer(OpKind::Cast, {vt(DType::f32, Shape{2, 2})}, attr("to", int64_t(7)));
    EXPECT_EQ(c.dtype, DType::i64);
    EXPECT_EQ(c.shape.dims, (std::vector<int64_t>{2, 2}));
}

TEST(OnnxDType, CodesRoundTrip) {
    for (int code : {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16}) EXPECT_EQ(dtype_to_onnx(dtype_from_onnx(code)), code);
    EXPECT_EQ(dtype_from_onnx(1), DType::f32);
    EXPECT_EQ(dtype_from_onnx(16), DType::bf16);
    EXPECT_EQ(dtype_to_onnx(DType::undefined), 0);
    for (int code : {0, 8, 14, 15, 17, 18, 19, 20, 21, 22, 23, 100}) EXPECT_THROW(dtype_from_onnx(code), Error) << code;
    EXPECT_STREQ(onnx_dtype_name(17), "FLOAT8E4M3FN");
}
