// The OpenVINO IR writer: read -> write -> read gives the same graph; ops without a one-to-one
// OpenVINO twin are written as small subgraphs that compute the same numbers; constants are
// 64-byte aligned in the .bin; errors name the node.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "frontend/ovir/read_ir.h"
#include "frontend/ovir/write_ir.h"
#include "ir/error.h"
#include "ops/op_table.h"
#include "ovir_ir_text.h"
#include "runtime/reference_executor.h"

using namespace frugal;

namespace {

bool same_tensor(const Tensor& a, const Tensor& b) {
    return a.dtype == b.dtype && a.shape == b.shape && a.nbytes() == b.nbytes() &&
           (a.nbytes() == 0 || std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0);
}

bool same_attr(const AttributeValue& a, const AttributeValue& b) {
    if (a.index() != b.index()) return false;
    return std::visit(
        [&](const auto& x) -> bool {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, Tensor>) return same_tensor(x, std::get<Tensor>(b));
            else return x == std::get<T>(b);
        },
        a);
}

std::string shape_text(const Value& v) { return std::string(dtype_name(v.dtype)) + v.shape.to_string(); }

// Same nodes in the same order with the same attributes, reading values of the same name, type,
// shape and (for constants) bytes; same graph inputs and outputs.
void expect_same_graph(const Graph& a, const Graph& b) {
    ASSERT_EQ(a.nodes.size(), b.nodes.size());
    auto same_value = [&](ValueId x, ValueId y) {
        if (x == kNoId || y == kNoId) {
            EXPECT_EQ(x, y);
            return;
        }
        const Value& va = a.values[size_t(x)];
        const Value& vb = b.values[size_t(y)];
        EXPECT_EQ(va.name, vb.name);
        EXPECT_EQ(shape_text(va), shape_text(vb)) << va.name;
        EXPECT_EQ(va.is_constant(), vb.is_constant()) << va.name;
        if (va.constant && vb.constant) {
            EXPECT_TRUE(same_tensor(*va.constant, *vb.constant)) << va.name;
        }
    };
    for (size_t i = 0; i < a.nodes.size(); ++i) {
        const Node& na = a.nodes[i];
        const Node& nb = b.nodes[i];
        EXPECT_EQ(na.name, nb.name);
        EXPECT_EQ(na.op, nb.op) << na.name;
        EXPECT_EQ(na.opset, nb.opset) << na.name;
        ASSERT_EQ(na.inputs.size(), nb.inputs.size()) << na.name;
        ASSERT_EQ(na.outputs.size(), nb.outputs.size()) << na.name;
        for (size_t k = 0; k < na.inputs.size(); ++k) same_value(na.inputs[k], nb.inputs[k]);
        for (size_t k = 0; k < na.outputs.size(); ++k) same_value(na.outputs[k], nb.outputs[k]);
        ASSERT_EQ(na.attrs.all().size(), nb.attrs.all().size()) << na.name;
        for (const auto& [key, value] : na.attrs.all()) {
            const AttributeValue* other = nb.attrs.find(key);
            ASSERT_TRUE(other) << na.name << " " << key;
            EXPECT_TRUE(same_attr(value, *other)) << na.name << " " << key;
        }
    }
    ASSERT_EQ(a.inputs.size(), b.inputs.size());
    for (size_t i = 0; i < a.inputs.size(); ++i) same_value(a.inputs[i], b.inputs[i]);
    ASSERT_EQ(a.outputs.size(), b.outputs.size());
    for (size_t i = 0; i < a.outputs.size(); ++i) same_value(a.outputs[i], b.outputs[i]);
}

void expect_same_outputs(const TensorMap& a, const TensorMap& b, double tolerance = 0) {
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [name, t] : a) {
        auto it = b.find(name);
        ASSERT_NE(it, b.end()) << name;
        ASSERT_EQ(t.dtype, it->second.dtype) << name;
        ASSERT_EQ(t.shape, it->second.shape) << name;
        for (int64_t i = 0; i < t.numel(); ++i) EXPECT_NEAR(t.double_at(i), it->second.double_at(i), tolerance) << name << "[" << i << "]";
    }
}

std::vector<float> iota(size_t n, float start = 0, float step = 1) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = start + step * float(i);
    return v;
}

std::vector<std::string> layer_types(const std::string& xml_path) {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_file(xml_path.c_str()));
    std::vector<std::string> types;
    for (pugi::xml_node l : doc.child("net").child("layers").children("layer")) types.push_back(l.attribute("type").value());
    return types;
}

size_t count(const std::vector<std::string>& v, const std::string& s) { return size_t(std::count(v.begin(), v.end(), s)); }

// A frugal model built node by node, as an ONNX reader would leave it.
struct Builder {
    Model m;
    ValueId input(const std::string& name, DType t, Shape s) {
        ValueId v = m.graph.add_value(name, t, PartialShape(s));
        m.graph.inputs.push_back(v);
        return v;
    }
    ValueId constant(const std::string& name, Tensor t) { return m.graph.add_constant(name, std::move(t)); }
    std::vector<ValueId> node_n(OpKind op, std::vector<ValueId> ins, size_t outs, const std::string& name, Attributes a = {},
                                int64_t opset = 21) {
        Node n;
        n.name = name;
        n.op = op;
        n.opset = opset;
        n.inputs = std::move(ins);
        n.attrs = std::move(a);
        for (size_t i = 0; i < outs; ++i) n.outputs.push_back(m.graph.add_value(outs == 1 ? name : name + "_" + std::to_string(i)));
        std::vector<ValueId> r = n.outputs;
        m.graph.add_node(std::move(n));
        return r;
    }
    ValueId node(OpKind op, std::vector<ValueId> ins, const std::string& name, Attributes a = {}, int64_t opset = 21) {
        return node_n(op, std::move(ins), 1, name, std::move(a), opset)[0];
    }
    Model finish(std::vector<ValueId> outputs) {
        m.graph.outputs = std::move(outputs);
        m.opsets[""] = 21;
        infer_graph(m.graph);
        return std::move(m);
    }
};

Attributes attrs(std::initializer_list<std::pair<const char*, AttributeValue>> list) {
    Attributes a;
    for (const auto& [k, v] : list) a.set(k, v);
    return a;
}

// An IR with most of the ops the reader maps one to one, plus MVN and StridedSlice, whose
// decompositions must also survive the trip.
IrText block_ir() {
    IrText ir;
    Src x = ir.parameter("x", "f32", {2, 3, 4});
    Src mask = ir.parameter("mask", "boolean", {3, 4});
    Src gamma = ir.constant<float>("gamma", "f32", {4}, {1, 2, 3, 4});
    Src mvn = ir.op1("MVN", "opset6", "eps=\"1e-05\" normalize_variance=\"true\" eps_mode=\"inside_sqrt\"", {x, ir.i64("mvn_axes", {-1})}, f32({2, 3, 4}), "ln");
    Src scaled = ir.op1("Multiply", "opset1", "auto_broadcast=\"numpy\"", {mvn, gamma}, f32({2, 3, 4}), "ln_scaled");
    Src w = ir.constant<float>("w", "f32", {4, 5}, iota(20, -1, 0.1f));
    Src mm = ir.op1("MatMul", "opset1", "transpose_a=\"false\" transpose_b=\"false\"", {scaled, w}, f32({2, 3, 5}), "mm");
    Src g = ir.op1("Gelu", "opset7", "approximation_mode=\"tanh\"", {mm}, f32({2, 3, 5}), "gelu");
    Src sm = ir.op1("SoftMax", "opset8", "axis=\"-1\"", {g}, f32({2, 3, 5}), "softmax");
    Src tr = ir.op1("Transpose", "opset1", "", {sm, ir.i64("perm", {1, 0, 2})}, f32({3, 2, 5}), "tr");
    Src rs = ir.op1("Reshape", "opset1", "special_zero=\"true\"", {tr, ir.i64("shape", {0, -1})}, f32({3, 10}), "rs");
    Src ss = ir.op1("StridedSlice", "opset1", "begin_mask=\"1,0\" end_mask=\"1,0\" shrink_axis_mask=\"0,0\"",
                    {rs, ir.i64("ss_b", {0, 1}), ir.i64("ss_e", {0, 9}), ir.i64("ss_s", {1, 2})}, f32({3, 4}), "ss");
    Src sel = ir.op1("Select", "opset1", "auto_broadcast=\"numpy\"", {mask, ss, ir.constant<float>("neg", "f32", {}, {-100})}, f32({3, 4}), "sel");
    Src sum = ir.op1("ReduceSum", "opset1", "keep_dims=\"true\"", {sel, ir.i64("sum_axes", {1})}, f32({3, 1}), "sum");
    Src sub = ir.op1("Subtract", "opset1", "auto_broadcast=\"numpy\"", {sel, sum}, f32({3, 4}), "sub");
    Src sq = ir.op1("Sqrt", "opset1", "", {ir.op1("Abs", "opset1", "", {sub}, f32({3, 4}), "abs")}, f32({3, 4}), "sqrt");
    Src un = ir.op1("Unsqueeze", "opset1", "", {sq, ir.i64("un_axes", {0})}, f32({1, 3, 4}), "un");
    Src cc = ir.op1("Concat", "opset1", "axis=\"0\"", {un, un}, f32({2, 3, 4}), "cc");
    std::vector<Src> parts = ir.op("VariadicSplit", "opset1", "", {cc, ir.i64("split_axis", {2}, true), ir.i64("lengths", {1, 3})},
                                   {f32({2, 3, 1}), f32({2, 3, 3})}, "split");
    Src ga = ir.op1("Gather", "opset8", "batch_dims=\"0\"", {parts[1], ir.i64("idx", {2, 0}), ir.i64("gather_axis", {2}, true)}, f32({2, 3, 2}), "gather");
    Src shape = ir.op1("ShapeOf", "opset3", "output_type=\"i64\"", {ga}, i64p({3}), "shape_of");
    Src cv = ir.op1("Convert", "opset1", "destination_type=\"f32\"", {shape}, f32({3}), "shape_f");
    Src bc = ir.op1("Broadcast", "opset3", "mode=\"bidirectional\"", {parts[0], ir.i64("target", {2, 3, 3})}, f32({2, 3, 3}), "bc");
    Src sl = ir.op1("Slice", "opset8", "", {bc, ir.i64("sl_start", {0}), ir.i64("sl_stop", {2}), ir.i64("sl_step", {1}), ir.i64("sl_axes", {2})},
                    f32({2, 3, 2}), "slice");
    Src pw = ir.op1("Power", "opset1", "auto_broadcast=\"numpy\"", {ga, ir.constant<float>("two", "f32", {}, {2})}, f32({2, 3, 2}), "pow");
    Src mx = ir.op1("Maximum", "opset1", "auto_broadcast=\"numpy\"", {pw, sl}, f32({2, 3, 2}), "max");
    Src lt = ir.op1("Less", "opset1", "auto_broadcast=\"numpy\"", {mx, ir.constant<float>("lim", "f32", {}, {3})}, boolp({2, 3, 2}), "lt");
    Src nt = ir.op1("LogicalNot", "opset1", "", {lt}, boolp({2, 3, 2}), "not");
    Src rg = ir.op1("Range", "opset4", "output_type=\"i64\"", {ir.i64("r0", {0}, true), ir.i64("r1", {6}, true), ir.i64("r2", {2}, true)}, i64p({3}), "range");
    ir.result(mx);
    ir.result(nt);
    ir.result(cv);
    ir.result(rg);
    return ir;
}

}  // namespace

TEST(OvIrWrite, RoundTripReadsBackTheSameGraph) {
    TempDir dir;
    Model first = read_ir(block_ir().save(dir, "block"));
    write_ir(first, dir.file("again.xml"));
    Model second = read_ir(dir.file("again.xml"));
    expect_same_graph(first.graph, second.graph);
    // Constants read back are views into the new .bin, each 64-byte aligned.
    for (const Value& v : second.graph.values) {
        if (!v.constant || v.constant->nbytes() == 0) continue;
        EXPECT_EQ(v.constant->buffer->root()->kind(), Buffer::Kind::mapped) << v.name;
        EXPECT_EQ(size_t(v.constant->raw() - v.constant->buffer->root()->data()) % 64, 0u) << v.name;
    }
    TensorMap inputs = {{"x", Tensor::from_vector<float>({2, 3, 4}, iota(24, -2, 0.25f))},
                        {"mask", Tensor::from_vector<bool>({3, 4}, {true, false, true, true, false, true, true, true, true, true, false, true})}};
    expect_same_outputs(run_reference(first, inputs), run_reference(second, inputs));
}

TEST(OvIrWrite, WritesOverTheMappedModel) {
    TempDir dir;
    std::string path = block_ir().save(dir, "model");
    Model first = read_ir(path);
    write_ir(first, path);  // first's constants still map the replaced .bin
    Model second = read_ir(path);
    expect_same_graph(first.graph, second.graph);
    for (const auto& entry : std::filesystem::directory_iterator(dir.path))
        EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST(OvIrWrite, DecomposedOpsComputeTheSame) {
    Builder b;
    ValueId x = b.input("x", DType::f32, {2, 3, 4});
    ValueId scale = b.constant("scale", Tensor::from_vector<float>({4}, {1, -1, 2, 0.5f}));
    ValueId bias = b.constant("bias", Tensor::from_vector<float>({4}, {0, 1, 2, 3}));
    ValueId ln = b.node(OpKind::LayerNormalization, {x, scale, bias}, "ln", attrs({{"axis", int64_t(-1)}, {"epsilon", 1e-3f}}));
    ValueId flat = b.node(OpKind::Flatten, {ln}, "flat", attrs({{"axis", int64_t(2)}}));
    ValueId w = b.constant("w", Tensor::from_vector<float>({5, 4}, iota(20, -1, 0.1f)));
    ValueId c = b.constant("c", Tensor::from_vector<float>({5}, {1, 2, 3, 4, 5}));
    ValueId gemm = b.node(OpKind::Gemm, {flat, w, c}, "gemm",
                          attrs({{"alpha", 0.5f}, {"beta", 2.0f}, {"transB", int64_t(1)}}));
    ValueId id = b.node(OpKind::Identity, {gemm}, "id");
    ValueId mx = b.node(OpKind::Max, {id, b.constant("lo", Tensor::scalar<float>(-1)), b.constant("lo2", Tensor::scalar<float>(0.25f))}, "max3");
    ValueId rec = b.node(OpKind::Reciprocal, {mx}, "rec");
    ValueId red = b.node(OpKind::ReduceMean, {rec}, "mean_all", attrs({{"keepdims", int64_t(0)}}));
    ValueId sq_old = b.node(OpKind::Unsqueeze, {ln}, "unsq11", attrs({{"axes", std::vector<int64_t>{0}}}), 11);
    ValueId rsum_old = b.node(OpKind::ReduceSum, {sq_old}, "rsum11", attrs({{"axes", std::vector<int64_t>{0, 3}}, {"keepdims", int64_t(0)}}), 11);
    std::vector<ValueId> parts = b.node_n(OpKind::Split, {rsum_old}, 2, "split18", attrs({{"axis", int64_t(1)}, {"num_outputs", int64_t(2)}}));
    ValueId sl = b.node(OpKind::Slice, {parts[0], b.constant("st", Tensor::from_vector<int64_t>({1}, {1})), b.constant("en", Tensor::from_vector<int64_t>({1}, {2}))},
                        "slice_no_steps");
    ValueId shp = b.node(OpKind::Shape, {x}, "shape_tail", attrs({{"start", int64_t(1)}}));
    ValueId size = b.node(OpKind::Size, {x}, "size");
    ValueId cos = b.node(OpKind::ConstantOfShape, {shp}, "cos", attrs({{"value", Tensor::from_vector<float>({1}, {7})}}));
    ValueId konst = b.node(OpKind::Constant, {}, "k", attrs({{"value_ints", std::vector<int64_t>{4, 5}}}));
    ValueId imod = b.node(OpKind::Mod, {konst, b.constant("three", Tensor::scalar<int64_t>(-3))}, "floor_mod");
    ValueId tmod = b.node(OpKind::Mod, {konst, b.constant("three_t", Tensor::scalar<int64_t>(-3))}, "trunc_mod", attrs({{"fmod", int64_t(1)}}));
    ValueId idiv = b.node(OpKind::Div, {b.constant("neg7", Tensor::scalar<int64_t>(-7)), b.constant("two", Tensor::scalar<int64_t>(2))}, "int_div");
    ValueId tr = b.node(OpKind::Transpose, {cos}, "reverse");
    ValueId cast = b.node(OpKind::Cast, {size}, "size_f", attrs({{"to", int64_t(1)}}));
    ValueId like = b.node(OpKind::CastLike, {imod, cast}, "mod_f");
    ValueId cs = b.node(OpKind::CumSum, {like, b.constant("ax0", Tensor::scalar<int64_t>(0))}, "cumsum", attrs({{"reverse", int64_t(1)}}));
    ValueId ex = b.node(OpKind::Expand, {cs, b.constant("exp_shape", Tensor::from_vector<int64_t>({2}, {3, 1}))}, "expand");
    ValueId tile = b.node(OpKind::Tile, {ex, b.constant("reps", Tensor::from_vector<int64_t>({2}, {1, 2}))}, "tile");
    Model m = b.finish({gemm, red, sl, parts[1], tr, tile, tmod, idiv});

    TempDir dir;
    write_ir(m, dir.file("decomposed.xml"));
    std::vector<std::string> types = layer_types(dir.file("decomposed.xml"));
    EXPECT_EQ(count(types, "MVN"), 1u);
    EXPECT_EQ(count(types, "Identity"), 0u);
    EXPECT_EQ(count(types, "MatMul"), 1u);
    EXPECT_EQ(count(types, "Maximum"), 2u);
    EXPECT_EQ(count(types, "FloorMod"), 1u);
    EXPECT_EQ(count(types, "Mod"), 1u);
    EXPECT_EQ(count(types, "VariadicSplit") + count(types, "Split"), 1u);
    Model back = read_ir(dir.file("decomposed.xml"));
    TensorMap inputs = {{"x", Tensor::from_vector<float>({2, 3, 4}, iota(24, -3, 0.3f))}};
    TensorMap expected = run_reference(m, inputs);
    TensorMap got = run_reference(back, inputs);
    expect_same_outputs(expected, got, 1e-5);
    EXPECT_EQ(got.at("int_div").to_int_vector(), (std::vector<int64_t>{-3}));  // truncated, as ONNX
}

TEST(OvIrWrite, NoOpenVinoEquivalentNamesTheNode) {
    Builder b;
    ValueId x = b.input("x", DType::f32, {3, 3});
    ValueId t = b.node(OpKind::Trilu, {x}, "upper");
    Model m = b.finish({t});
    TempDir dir;
    try {
        write_ir(m, dir.file("trilu.xml"));
        FAIL() << "no error";
    } catch (const UnsupportedError& e) {
        EXPECT_NE(std::string(e.what()).find("node 'upper' (Trilu): has no OpenVINO equivalent"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir.path));  // nothing half-written is left behind
}

TEST(OvIrWrite, InputsAndConstantsAsOutputs) {
    Builder b;
    ValueId x = b.input("x", DType::i32, {2});
    ValueId k = b.constant("k", Tensor::from_vector<int64_t>({2}, {5, 6}));
    Model m = b.finish({x, k});
    TempDir dir;
    write_ir(m, dir.file("io.xml"));
    Model back = read_ir(dir.file("io.xml"));
    ASSERT_EQ(back.graph.outputs.size(), 2u);
    EXPECT_EQ(back.graph.outputs[0], back.graph.inputs[0]);
    EXPECT_EQ(back.graph.values[size_t(back.graph.outputs[1])].constant->to_int_vector(), (std::vector<int64_t>{5, 6}));
    EXPECT_EQ(layer_types(dir.file("io.xml")), (std::vector<std::string>{"Parameter", "Const", "Result", "Result"}));
}

TEST(OvIrWrite, FusedMatMulIsUnfused) {
    Builder b;
    ValueId x = b.input("x", DType::f32, {2, 3});
    ValueId w = b.constant("w", Tensor::from_vector<float>({4, 3}, iota(12, -0.6f, 0.1f)));
    ValueId bias = b.constant("bias", Tensor::from_vector<float>({4}, {0.1f, -0.2f, 0.3f, 0}));
    ValueId res = b.input("res", DType::f32, {2, 4});
    ValueId y = b.node(OpKind::FusedMatMul, {x, w, bias, res}, "dense",
                       attrs({{"transpose_b", int64_t(1)}, {"activation", std::string("gelu_tanh")}}));
    ValueId z = b.node(OpKind::FusedMatMul, {x, b.constant("w2", Tensor::from_vector<float>({3, 2}, iota(6)))}, "plain");
    Model m = b.finish({y, z});
    TempDir dir;
    write_ir(m, dir.file("fused.xml"));
    EXPECT_EQ(layer_types(dir.file("fused.xml")),
              (std::vector<std::string>{"Parameter", "Parameter", "Const", "MatMul", "Const", "Add", "Gelu", "Add", "Const", "MatMul",
                                        "Result", "Result"}));
    Model back = read_ir(dir.file("fused.xml"));
    TensorMap inputs = {{"x", Tensor::from_vector<float>({2, 3}, iota(6, -1, 0.5f))}, {"res", Tensor::from_vector<float>({2, 4}, iota(8))}};
    expect_same_outputs(run_reference(m, inputs), run_reference(back, inputs), 1e-5);
}

TEST(OvIrWrite, IdentityIsDroppedButOutputsKeepTheirNames) {
    Builder b;
    ValueId x = b.input("x", DType::f32, {2});
    ValueId inner = b.node(OpKind::Identity, {x}, "inner");
    ValueId r = b.node(OpKind::Relu, {inner}, "r");
    ValueId y = b.node(OpKind::Identity, {x}, "y");
    Model m = b.finish({r, y, y});
    TempDir dir;
    write_ir(m, dir.file("id.xml"));
    std::vector<std::string> types = layer_types(dir.file("id.xml"));
    EXPECT_EQ(count(types, "Identity"), 0u);
    EXPECT_EQ(count(types, "Convert"), 1u);  // the pass-through that carries the name 'y'
    Model back = read_ir(dir.file("id.xml"));
    ASSERT_EQ(back.graph.outputs.size(), 3u);
    EXPECT_EQ(back.graph.values[size_t(back.graph.outputs[0])].name, "r");
    EXPECT_EQ(back.graph.values[size_t(back.graph.outputs[1])].name, "y");
    EXPECT_EQ(back.graph.outputs[1], back.graph.outputs[2]);
    TensorMap out = run_reference(back, {{"x", Tensor::from_vector<float>({2}, {-1, 2})}});
    EXPECT_EQ(out.at("y").double_at(0), -1.0);
    EXPECT_EQ(out.at("r").double_at(0), 0.0);
}
