// Einsum: the parser's resolution and errors, and the reference evaluate against numpy.einsum
// (run once per test through /usr/bin/python3 on seeded random inputs).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

#include "ir/error.h"
#include "ops/einsum_equation.h"
#include "ops/op_table.h"

using namespace frugal;

namespace {

EinsumSpec parse(const std::string& eq, std::vector<size_t> ranks) { return parse_einsum(eq, ranks); }

std::string parse_error(const std::string& eq, std::vector<size_t> ranks) {
    try {
        parse_einsum(eq, ranks);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

Node einsum_node(const std::string& eq) {
    Node n;
    n.name = "e";
    n.op = OpKind::Einsum;
    n.opset = 12;
    n.attrs.set("equation", eq);
    return n;
}

Tensor evaluate(const std::string& eq, const std::vector<Tensor>& in) {
    Node n = einsum_node(eq);
    n.inputs.resize(in.size());
    std::vector<const Tensor*> ptrs;
    for (const Tensor& t : in) ptrs.push_back(&t);
    std::vector<Tensor> out(1);
    evaluate_node(n, ptrs, out);
    return out[0];
}

Tensor random_tensor(DType t, const Shape& s, std::mt19937& rng) {
    Tensor r = Tensor::empty(t, s);
    visit_dtype(t, [&]<class T>() {
        T* d = r.mutable_data<T>();
        for (int64_t i = 0; i < r.numel(); ++i) {
            if constexpr (std::is_integral_v<T>) {
                int lo = std::is_signed_v<T> ? -4 : 0;
                d[i] = static_cast<T>(std::uniform_int_distribution<int>(lo, 6)(rng));
            } else {
                d[i] = from_double<T>(std::uniform_real_distribution<double>(-1.0, 1.0)(rng));
            }
        }
    });
    return r;
}

struct Case {
    std::string equation;
    std::vector<Shape> shapes;
    DType dtype = DType::f32;
};

// numpy has no bfloat16: the script computes those cases in float32 from the same (rounded) values.
const char* kNumpyScript = R"PY(
import sys, numpy as np
names = {'float32': np.float32, 'float16': np.float16, 'bfloat16': np.float32, 'float64': np.float64,
         'int8': np.int8, 'uint8': np.uint8, 'int16': np.int16, 'uint16': np.uint16, 'int32': np.int32,
         'uint32': np.uint32, 'int64': np.int64, 'uint64': np.uint64}
lines = open(sys.argv[1]).read().split('\n')
out = open(sys.argv[2], 'w')
i = 0
while i < len(lines) and lines[i] == 'CASE':
    eq = lines[i + 1]; n = int(lines[i + 2]); i += 3
    ops = []
    for _ in range(n):
        tok = lines[i].split(); i += 1
        dt = names[tok[0]]; r = int(tok[1]); shape = [int(x) for x in tok[2:2 + r]]
        vals = [float(x) for x in tok[2 + r:]]
        ops.append(np.array(vals, dtype=np.float64).astype(dt).reshape(shape))
    res = np.einsum(eq, *ops)
    res = np.asarray(res)
    out.write(' '.join([str(res.ndim)] + [str(d) for d in res.shape] + [repr(float(v)) for v in res.reshape(-1)]) + '\n')
)PY";

struct Expected {
    Shape shape;
    std::vector<double> values;
};

std::vector<Expected> numpy_einsum(const std::vector<Case>& cases, const std::vector<std::vector<Tensor>>& inputs) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("frugal_einsum_" + std::to_string(getpid()));
    fs::create_directories(dir);
    {
        std::ofstream script(dir / "run.py");
        script << kNumpyScript;
        std::ofstream in(dir / "in.txt");
        in.precision(17);
        for (size_t c = 0; c < cases.size(); ++c) {
            in << "CASE\n" << cases[c].equation << "\n" << inputs[c].size() << "\n";
            for (const Tensor& t : inputs[c]) {
                in << dtype_name(t.dtype) << " " << t.rank();
                for (int64_t d : t.shape) in << " " << d;
                for (int64_t i = 0; i < t.numel(); ++i) in << " " << t.double_at(i);
                in << "\n";
            }
        }
    }
    std::string cmd = "/usr/bin/python3 " + (dir / "run.py").string() + " " + (dir / "in.txt").string() + " " +
                      (dir / "out.txt").string();
    int rc = std::system(cmd.c_str());
    EXPECT_EQ(rc, 0) << cmd;
    std::vector<Expected> result;
    std::ifstream out(dir / "out.txt");
    std::string line;
    while (std::getline(out, line)) {
        std::istringstream ss(line);
        Expected e;
        size_t rank = 0;
        ss >> rank;
        e.shape.resize(rank);
        for (int64_t& d : e.shape) ss >> d;
        double v;
        while (ss >> v) e.values.push_back(v);
        result.push_back(std::move(e));
    }
    fs::remove_all(dir);
    return result;
}

void check_against_numpy(const std::vector<Case>& cases, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::vector<Tensor>> inputs;
    for (const Case& c : cases) {
        std::vector<Tensor> in;
        for (const Shape& s : c.shapes) in.push_back(random_tensor(c.dtype, s, rng));
        inputs.push_back(std::move(in));
    }
    std::vector<Expected> expected = numpy_einsum(cases, inputs);
    ASSERT_EQ(expected.size(), cases.size());
    for (size_t c = 0; c < cases.size(); ++c) {
        SCOPED_TRACE(cases[c].equation + " " + dtype_name(cases[c].dtype));
        Tensor got = evaluate(cases[c].equation, inputs[c]);
        ASSERT_EQ(got.dtype, cases[c].dtype);
        ASSERT_EQ(got.shape, expected[c].shape);
        ASSERT_EQ(size_t(got.numel()), expected[c].values.size());
        double tol = cases[c].dtype == DType::f16 ? 2e-2 : cases[c].dtype == DType::bf16 ? 3e-2 : 1e-5;
        for (int64_t i = 0; i < got.numel(); ++i) {
            double want = expected[c].values[size_t(i)];
            double have = got.double_at(i);
            if (dtype_is_integer(cases[c].dtype)) EXPECT_EQ(have, want) << "element " << i;
            else EXPECT_NEAR(have, want, tol * (1 + std::fabs(want))) << "element " << i;
        }
    }
}

}  // namespace

TEST(EinsumParse, ResolvesLabelsAndImplicitOutput) {
    EinsumSpec s = parse("ij,jk", {2, 2});
    EXPECT_EQ(s.ellipsis_rank, 0u);
    ASSERT_EQ(s.label_names, (std::vector<std::string>{"i", "j", "k"}));
    EXPECT_EQ(s.inputs[0], (std::vector<int>{0, 1}));
    EXPECT_EQ(s.inputs[1], (std::vector<int>{1, 2}));
    EXPECT_EQ(s.output, (std::vector<int>{0, 2}));

    // Uppercase sorts before lowercase; a label seen twice is summed in implicit mode.
    s = parse("aB,Bc", {2, 2});
    EXPECT_EQ(s.label_names, (std::vector<std::string>{"B", "a", "c"}));
    EXPECT_EQ(s.output, (std::vector<int>{1, 2}));
    s = parse("ba", {2});  // implicit output "ab": a transpose
    EXPECT_EQ(s.inputs[0], (std::vector<int>{1, 0}));
    EXPECT_EQ(s.output, (std::vector<int>{0, 1}));
    s = parse("ii", {2});
    EXPECT_TRUE(s.output.empty());
    EXPECT_EQ(s.inputs[0], (std::vector<int>{0, 0}));
}

TEST(EinsumParse, EllipsisCoversTheWidestOperandAndAlignsRight) {
    EinsumSpec s = parse(" ...ij , j...k -> ...ik ", {4, 3});
    EXPECT_TRUE(s.has_ellipsis);
    EXPECT_EQ(s.ellipsis_rank, 2u);
    // Ellipsis labels 0,1; letters i=2 j=3 k=4. Operand 1's ellipsis covers one dim: the last.
    EXPECT_EQ(s.inputs[0], (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(s.inputs[1], (std::vector<int>{3, 1, 4}));
    EXPECT_EQ(s.output, (std::vector<int>{0, 1, 2, 4}));
    EXPECT_EQ(parse("...ij,jk", {3, 2}).output, (std::vector<int>{0, 1, 3}));  // implicit: ellipsis first
    s = parse("...ij->...ij", {2});  // an ellipsis may cover no dims
    EXPECT_EQ(s.ellipsis_rank, 0u);
    EXPECT_EQ(s.output, (std::vector<int>{0, 1}));
    EXPECT_EQ(parse("i...i->...", {3}).inputs[0], (std::vector<int>{1, 0, 1}));
}

TEST(EinsumParse, Errors) {
    EXPECT_NE(parse_error("ijk,jk", {2, 2}).find("has 3 labels but operand 0 has rank 2"), std::string::npos);
    EXPECT_NE(parse_error("ij...k,jk", {2, 2}).find("3 labels and an ellipsis but operand 0 has rank 2"),
              std::string::npos);
    EXPECT_NE(parse_error("i...j...,jk", {4, 2}).find("two ellipses"), std::string::npos);
    EXPECT_NE(parse_error("ij*jk", {2}).find("unexpected character '*'"), std::string::npos);
    EXPECT_NE(parse_error("ij-jk", {2}).find("unexpected character '-'"), std::string::npos);
    EXPECT_NE(parse_error("ij,jk->i1", {2, 2}).find("unexpected character '1'"), std::string::npos);
    EXPECT_NE(parse_error("i..j", {2}).find("not part of an ellipsis"), std::string::npos);
    EXPECT_NE(parse_error("ij,jk->iz", {2, 2}).find("output label 'z' does not appear"), std::string::npos);
    EXPECT_NE(parse_error("ij,jk->ii", {2, 2}).find("output label 'i' appears twice"), std::string::npos);
    EXPECT_NE(parse_error("ij,jk->ik", {2, 2, 2}).find("2 input terms but 3 operands"), std::string::npos);
    EXPECT_NE(parse_error("ij,jk->ik", {2}).find("2 input terms but 1 operands"), std::string::npos);
    EXPECT_NE(parse_error("ij->...i", {2}).find("no input term has one"), std::string::npos);
    EXPECT_NE(parse_error("ij->i->j", {2}).find("more than one '->'"), std::string::npos);
    EXPECT_NE(parse_error("ij->i,j", {2}).find("cannot contain ','"), std::string::npos);
    EXPECT_NE(parse_error("...ij->ij", {3}).find("no '...' to receive them"), std::string::npos);
}

TEST(EinsumInfer, LabelsAgreeAndEllipsisBroadcasts) {
    Node n = einsum_node("...ij,...jk->...ik");
    std::vector<ValueType> in(2), out(1);
    in[0].dtype = in[1].dtype = DType::f32;
    in[0].shape = PartialShape(Shape{1, 5, 3, 4});
    in[1].shape = PartialShape(Shape{7, 1, 4, 6});
    in[0].shape.dims[2] = kDynamic;
    infer_node(n, in, out);
    EXPECT_EQ(out[0].dtype, DType::f32);
    EXPECT_EQ(out[0].shape.dims, (std::vector<int64_t>{7, 5, kDynamic, 6}));

    in[1].shape = PartialShape(Shape{7, 1, 5, 6});  // j is 4 in operand 0 and 5 in operand 1
    try {
        infer_node(n, in, out);
        ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("label 'j' has size 4"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("node 'e' (Einsum)"), std::string::npos) << e.what();
    }
    in[1].shape = PartialShape(Shape{7, 2, 4, 6});  // ellipsis dims 5 and 2 do not broadcast
    EXPECT_THROW(infer_node(n, in, out), Error);
    in[1].shape = PartialShape(Shape{7, 1, 4, 6});
    in[1].dtype = DType::f64;
    EXPECT_THROW(infer_node(n, in, out), Error);

    in[1].dtype = DType::f32;
    in[0].shape = PartialShape::unknown_rank();
    infer_node(n, in, out);
    EXPECT_FALSE(out[0].shape.rank_known);
}

TEST(EinsumEvaluate, MatchesNumpy) {
    std::vector<Case> cases = {
        {"ij,jk->ik", {{2, 3}, {3, 4}}},
        {"ij,jk", {{3, 3}, {3, 2}}},
        {"ij , jk -> ki", {{2, 3}, {3, 4}}},
        {"ij->ji", {{2, 3}}},
        {"ba", {{2, 3}}},
        {"ij->", {{2, 3}}},
        {"ij->j", {{4, 3}}},
        {"ii->i", {{3, 3}}},
        {"ii", {{4, 4}}},
        {"iji->j", {{3, 2, 3}}},
        {"iii->i", {{3, 3, 3}}},
        {"ijji->ij", {{2, 3, 3, 2}}},
        {"i,i->", {{5}, {5}}},
        {"i,j->ij", {{3}, {4}}},
        {"i,i->i", {{4}, {4}}},
        {",->", {{}, {}}},
        {"i,->i", {{3}, {}}},
        {"...", {{2, 3}}},
        {"bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}},
        {"...ij,...jk->...ik", {{2, 1, 3, 4}, {5, 4, 6}}},
        {"...ij,...jk", {{1, 3, 4}, {2, 4, 2}}},
        {"...ii->...i", {{2, 3, 3}}},
        {"i...i->...", {{3, 2, 3}}},
        {"ij...,jk...->ik...", {{2, 3, 4}, {3, 2, 1}}},
        {"a...c,c...->a...", {{2, 1, 3, 4}, {4, 3, 1}}},
        {"abc,cde->abde", {{2, 3, 4}, {4, 2, 3}}},
        {"abcd,cde->abe", {{2, 3, 2, 4}, {2, 4, 3}}},
        {"aecd,abcd->acbe", {{2, 3, 2, 4}, {2, 5, 2, 4}}},
        {"acbe,aecd->abcd", {{2, 3, 5, 4}, {2, 4, 3, 2}}},
        {"ij,jk,kl->il", {{2, 3}, {3, 4}, {4, 2}}},
        {"i,i,i->", {{4}, {4}, {4}}},
        {"ab,bc,cd,de->ae", {{2, 3}, {3, 2}, {2, 4}, {4, 3}}},
        {"bn,anm,bm->ba", {{2, 3}, {4, 3, 2}, {2, 2}}},
        {"Ab,bA->", {{2, 3}, {3, 2}}},
        {"aB,Ba", {{2, 3}, {3, 2}}},
        {"ij,ij->ij", {{2, 3}, {2, 3}}},
        {"bii,bi->b", {{2, 3, 3}, {2, 3}}},
        {"ij,jk->ik", {{2, 0}, {0, 3}}},
        {"ij,jk->ik", {{0, 2}, {2, 3}}},
        {"ij,jk->ik", {{3, 4}, {4, 2}}, DType::f64},
        {"ij,jk->ik", {{3, 4}, {4, 2}}, DType::f16},
        {"bij,bjk->bik", {{2, 3, 4}, {2, 4, 2}}, DType::bf16},
        {"ij,jk->ik", {{3, 4}, {4, 2}}, DType::i32},
        {"ii->", {{3, 3}}, DType::i64},
        {"i,i->i", {{5}, {5}}, DType::u8},
        {"ij,j->i", {{3, 4}, {4}}, DType::i8},
        {"ij,jk->ik", {{2, 3}, {3, 2}}, DType::u16},
        {"ij->i", {{2, 5}}, DType::u32},
        {"ij->j", {{2, 5}}, DType::u64},
        {"ij->", {{2, 5}}, DType::i16},
    };
    check_against_numpy(cases, 1234);
}

TEST(EinsumEvaluate, IntegersWrapLikeNumpy) {
    Tensor a = Tensor::from_vector<uint8_t>({3}, {200, 100, 3});
    EXPECT_EQ(evaluate("i->", {a}).data<uint8_t>()[0], 47);
    Tensor b = Tensor::from_vector<int8_t>({2}, {100, 100});
    EXPECT_EQ(evaluate("i,i->", {b, b}).data<int8_t>()[0], 32);
}

TEST(EinsumEvaluate, Errors) {
    Tensor a = Tensor::empty(DType::f32, {2, 3});
    Tensor b = Tensor::empty(DType::f32, {4, 5});
    EXPECT_THROW(evaluate("ij,jk->ik", {a, b}), Error);
    Tensor c = Tensor::empty(DType::f32, {2, 3, 4});
    Tensor d = Tensor::empty(DType::f32, {3, 4, 5});
    EXPECT_THROW(evaluate("...ij,...jk->...ik", {c, d}), Error);  // ellipsis dims 2 and 3
    Tensor e = Tensor::empty(DType::f32, {2, 3});
    EXPECT_THROW(evaluate("ii->i", {e}), Error);  // a diagonal of a non-square pair
    Tensor f = Tensor::empty(DType::boolean, {2});
    EXPECT_THROW(evaluate("i->", {f}), Error);
    Tensor g = Tensor::empty(DType::f64, {3});
    EXPECT_THROW(evaluate("ij,jk->ik", {a, g}), Error);
}
