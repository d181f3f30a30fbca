// The OpenVINO IR reader: structure of what each op becomes, zero-copy constants, and the numbers
// the translated graphs compute (reference kernels). Bad input: test_ovir_bad_input.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "frontend/ovir/read_ir.h"
#include "ir/error.h"
#include "ops/op_table.h"
#include "ovir_ir_text.h"
#include "runtime/reference_executor.h"

using namespace frugal;

namespace {

std::vector<std::string> ops_of(const Graph& g) {
    std::vector<std::string> r;
    for (const Node& n : g.nodes) r.push_back(std::string(op_name(n.op)));
    return r;
}

const Node& first(const Graph& g, OpKind op) {
    for (const Node& n : g.nodes)
        if (n.op == op) return n;
    throw std::runtime_error("no " + std::string(op_name(op)) + " node");
}

std::vector<int64_t> ints_of(const Graph& g, ValueId v) {
    const Value& val = g.values[size_t(v)];
    if (!val.constant) throw std::runtime_error("value " + val.name + " is not constant");
    return val.constant->to_int_vector();
}

// Inference through the reference ops must agree with the dims the IR's ports declare.
void expect_inference_agrees(Model& m) {
    std::vector<PartialShape> declared;
    for (const Value& v : m.graph.values) declared.push_back(v.shape);
    infer_graph(m.graph);
    for (size_t i = 0; i < m.graph.values.size(); ++i) {
        const PartialShape& a = declared[i];
        const PartialShape& b = m.graph.values[i].shape;
        if (!a.rank_known || !b.rank_known) continue;
        ASSERT_EQ(a.rank(), b.rank()) << m.graph.values[i].name << ": " << a.to_string() << " vs " << b.to_string();
        for (size_t d = 0; d < a.rank(); ++d) {
            if (a.dims[d] >= 0 && b.dims[d] >= 0) {
                EXPECT_EQ(a.dims[d], b.dims[d]) << m.graph.values[i].name << ": " << a.to_string() << " vs " << b.to_string();
            }
        }
    }
}

std::vector<float> floats(const Tensor& t) {
    std::vector<float> r;
    for (int64_t i = 0; i < t.numel(); ++i) r.push_back(float(t.double_at(i)));
    return r;
}

std::vector<float> iota(size_t n, float start = 0) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = start + float(i);
    return v;
}

}  // namespace

TEST(OvIrRead, ParameterConstAddResult) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2, 3});
    Src pad = ir.constant<uint8_t>("pad", "u8", {3}, {7, 8, 9});  // leaves the next weight unaligned
    Src b = ir.constant<float>("bias", "f32", {3}, {1.5f, -2.0f, 4.0f});
    Src y = ir.op1("Add", "opset1", "auto_broadcast=\"numpy\"", {x, b}, f32({2, 3}), "y");
    Src z = ir.op1("Convert", "opset1", "destination_type=\"f32\"", {pad}, f32({3}), "z");
    ir.result(y);
    ir.result(z);
    Model m = read_ir(ir.save(dir));
    const Graph& g = m.graph;
    ASSERT_EQ(g.inputs.size(), 1u);
    EXPECT_EQ(g.values[size_t(g.inputs[0])].name, "x");
    EXPECT_EQ(g.values[size_t(g.inputs[0])].dtype, DType::f32);
    EXPECT_EQ(g.values[size_t(g.inputs[0])].shape.dims, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(ops_of(g), (std::vector<std::string>{"Add", "Cast"}));
    const Node& add = g.nodes[0];
    EXPECT_EQ(add.name, "y");
    EXPECT_EQ(add.opset, 21);
    EXPECT_EQ(add.inputs[0], g.inputs[0]);
    const Value& bias = g.values[size_t(add.inputs[1])];
    ASSERT_TRUE(bias.constant);
    EXPECT_EQ(bias.name, "bias");
    EXPECT_EQ(floats(*bias.constant), (std::vector<float>{1.5f, -2.0f, 4.0f}));
    ASSERT_EQ(g.outputs.size(), 2u);
    EXPECT_EQ(g.values[size_t(g.outputs[0])].name, "y");
    EXPECT_EQ(g.values[size_t(g.outputs[0])].shape.dims, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(m.default_opset(), 21);

    // Zero copy where the file allows it: the u8 constant is a view into the mapping of the .bin.
    // The f32 bias sits at offset 3, misaligned for floats; reading it in place is undefined
    // behaviour (UBSan in make test-asan), so it alone is an aligned owned copy.
    const Tensor& bt = *bias.constant;
    const Tensor& pt = *g.values[size_t(g.nodes[1].inputs[0])].constant;
    EXPECT_EQ(pt.buffer->root()->kind(), Buffer::Kind::mapped);
    EXPECT_EQ(pt.raw(), pt.buffer->root()->data());
    EXPECT_FALSE(pt.buffer->writable());
    EXPECT_EQ(bt.buffer->root()->kind(), Buffer::Kind::owned);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(bt.raw()) % alignof(float), 0u);
}

TEST(OvIrRead, OpenVinoStyleFileWithRtInfoAndEscapedNames) {
    // As OpenVINO 2024 writes it: rt_info in layers and ports, several tensor names per port
    // (a comma inside a name escaped), f16 weights decompressed by a Convert.
    TempDir dir;
    uint16_t halves[2] = {0x3c00, 0xc000};  // 1, -2
    write_text(dir.file("ov.bin"), std::string(reinterpret_cast<const char*>(halves), 4));
    write_text(dir.file("ov.xml"), R"(<?xml version="1.0"?>
<net name="Model0" version="11">
	<layers>
		<layer id="0" name="input_ids" type="Parameter" version="opset1">
			<data shape="?,2" element_type="f32" />
			<output>
				<port id="0" precision="FP32" names="input_ids">
					<dim>-1</dim>
					<dim>2</dim>
					<rt_info><attribute name="layout" version="0" layout="[N,C]" /></rt_info>
				</port>
			</output>
		</layer>
		<layer id="1" name="w_compressed" type="Const" version="opset1">
			<data element_type="f16" shape="2" offset="0" size="4" />
			<rt_info>
				<attribute name="decompression" version="0" />
			</rt_info>
			<output>
				<port id="0" precision="FP16">
					<dim>2</dim>
				</port>
			</output>
		</layer>
		<layer id="2" name="w" type="Convert" version="opset1">
			<data destination_type="f32" />
			<input>
				<port id="0" precision="FP16"><dim>2</dim></port>
			</input>
			<output>
				<port id="1" precision="FP32"><dim>2</dim></port>
			</output>
		</layer>
		<layer id="3" name="mul" type="Multiply" version="opset1">
			<data auto_broadcast="numpy" />
			<rt_info><attribute name="fused_names" version="0" value="mul" /></rt_info>
			<input>
				<port id="0" precision="FP32"><dim>-1</dim><dim>2</dim></port>
				<port id="1" precision="FP32"><dim>2</dim></port>
			</input>
			<output>
				<port id="2" precision="FP32" names="a\,b,logits">
					<dim>-1</dim>
					<dim>2</dim>
				</port>
			</output>
		</layer>
		<layer id="4" name="logits/sink_port_0" type="Result" version="opset1">
			<input>
				<port id="0" precision="FP32"><dim>-1</dim><dim>2</dim></port>
			</input>
		</layer>
	</layers>
	<edges>
		<edge from-layer="0" from-port="0" to-layer="3" to-port="0" />
		<edge from-layer="1" from-port="0" to-layer="2" to-port="0" />
		<edge from-layer="2" from-port="1" to-layer="3" to-port="1" />
		<edge from-layer="3" from-port="2" to-layer="4" to-port="0" />
	</edges>
	<rt_info>
		<Runtime_version value="2024.4.0" />
		<conversion_parameters><framework value="tf" /></conversion_parameters>
	</rt_info>
</net>
)");
    Model m = read_ir(dir.file("ov.xml"));
    ASSERT_EQ(m.graph.outputs.size(), 1u);
    EXPECT_EQ(m.graph.values[size_t(m.graph.outputs[0])].name, "a,b");
    EXPECT_EQ(ops_of(m.graph), (std::vector<std::string>{"Cast", "Mul"}));
    TensorMap out = run_reference(m, {{"input_ids", Tensor::from_vector<float>({1, 2}, {3, 4})}});
    EXPECT_EQ(floats(out.at("a,b")), (std::vector<float>{3, -8}));
}

TEST(OvIrRead, NumbersThroughReferenceKernels) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2, 3});
    Src b = ir.constant<float>("bias", "f32", {3}, {1.5f, -2.0f, 4.0f});
    Src y = ir.op1("Add", "opset1", "auto_broadcast=\"numpy\"", {x, b}, f32({2, 3}), "y");
    ir.result(y);
    Model m = read_ir(ir.save(dir));
    TensorMap out = run_reference(m, {{"x", Tensor::from_vector<float>({2, 3}, iota(6))}});
    EXPECT_EQ(floats(out.at("y")), (std::vector<float>{1.5f, -1, 6, 4.5f, 2, 9}));
}

TEST(OvIrRead, ElementTypes) {
    TempDir dir;
    IrText ir;
    ir.result(ir.constant<float>("f32", "f32", {1}, {1.25f}));
    ir.result(ir.constant<uint16_t>("f16", "f16", {1}, {0x3c00}));
    ir.result(ir.constant<uint16_t>("bf16", "bf16", {1}, {0x3f80}));
    ir.result(ir.constant<double>("f64", "f64", {1}, {-3.5}));
    ir.result(ir.constant<int8_t>("i8", "i8", {1}, {-8}));
    ir.result(ir.constant<uint8_t>("u8", "u8", {1}, {200}));
    ir.result(ir.constant<int16_t>("i16", "i16", {1}, {-300}));
    ir.result(ir.constant<uint16_t>("u16", "u16", {1}, {60000}));
    ir.result(ir.constant<int32_t>("i32", "i32", {1}, {-70000}));
    ir.result(ir.constant<uint32_t>("u32", "u32", {1}, {4000000000u}));
    ir.result(ir.constant<int64_t>("i64", "i64", {1}, {-5000000000}));
    ir.result(ir.constant<uint64_t>("u64", "u64", {1}, {9000000000u}));
    ir.result(ir.constant<uint8_t>("boolean", "boolean", {2}, {1, 0}));
    Model m = read_ir(ir.save(dir));
    const Graph& g = m.graph;
    std::vector<DType> types = {DType::f32, DType::f16, DType::bf16, DType::f64, DType::i8, DType::u8, DType::i16,
                                DType::u16, DType::i32, DType::u32, DType::i64, DType::u64, DType::boolean};
    std::vector<double> values = {1.25, 1.0, 1.0, -3.5, -8, 200, -300, 60000, -70000, 4000000000.0, -5000000000.0, 9000000000.0, 1};
    ASSERT_EQ(g.outputs.size(), types.size());
    for (size_t i = 0; i < types.size(); ++i) {
        const Value& v = g.values[size_t(g.outputs[i])];
        ASSERT_TRUE(v.constant) << i;
        EXPECT_EQ(v.dtype, types[i]) << i;
        EXPECT_EQ(v.constant->dtype, types[i]) << i;
        EXPECT_EQ(v.constant->double_at(0), values[i]) << i;
    }
    EXPECT_EQ(g.values[size_t(g.outputs[12])].constant->double_at(1), 0.0);
}

TEST(OvIrRead, PartialShapes) {
    TempDir dir;
    IrText ir;
    Src a = ir.parameter("a", "f32", {-1, -1, 768}, "?,?,768");
    Src b = ir.parameter("b", "f32", {-1}, "-1");
    Src c = ir.parameter("c", "f32", {}, "...");
    Src d = ir.parameter("d", "i64", {1, -1}, "1,1..10");
    ir.result(ir.op1("Add", "opset1", "", {a, b}, f32({-1, -1, 768}), "ab"));
    ir.result(c);
    ir.result(d);
    Model m = read_ir(ir.save(dir));
    const Graph& g = m.graph;
    ASSERT_EQ(g.inputs.size(), 4u);
    EXPECT_EQ(g.values[size_t(g.inputs[0])].shape.dims, (std::vector<int64_t>{-1, -1, 768}));
    EXPECT_EQ(g.values[size_t(g.inputs[1])].shape.dims, (std::vector<int64_t>{-1}));
    EXPECT_FALSE(g.values[size_t(g.inputs[2])].shape.rank_known);
    EXPECT_EQ(g.values[size_t(g.inputs[3])].shape.dims, (std::vector<int64_t>{1, -1}));
    EXPECT_EQ(g.values[size_t(g.inputs[3])].dtype, DType::i64);
    EXPECT_EQ(g.values[size_t(g.outputs[0])].shape.dims, (std::vector<int64_t>{-1, -1, 768}));
}

TEST(OvIrRead, PortsMatchedByIdNotPosition) {
    // Input ports listed as ids 7 then 2: the first listed is input 0 whatever its id.
    TempDir dir;
    IrText ir;
    Src a = ir.parameter("a", "f32", {2});
    Src b = ir.parameter("b", "f32", {2});
    ir.raw_layer("<layer id=\"9\" name=\"diff\" type=\"Subtract\" version=\"opset1\"><input>"
                 "<port id=\"7\" precision=\"FP32\"><dim>2</dim></port><port id=\"2\" precision=\"FP32\"><dim>2</dim></port>"
                 "</input><output><port id=\"4\" precision=\"FP32\" names=\"diff\"><dim>2</dim></port></output></layer>");
    ir.raw_edge("<edge from-layer=\"1\" from-port=\"0\" to-layer=\"9\" to-port=\"7\"/>");
    ir.raw_edge("<edge from-layer=\"0\" from-port=\"0\" to-layer=\"9\" to-port=\"2\"/>");
    ir.result({9, 4, f32({2})});
    Model m = read_ir(ir.save(dir));
    const Node& sub = first(m.graph, OpKind::Sub);
    EXPECT_EQ(m.graph.values[size_t(sub.inputs[0])].name, "b");
    EXPECT_EQ(m.graph.values[size_t(sub.inputs[1])].name, "a");
    TensorMap out = run_reference(m, {{"a", Tensor::from_vector<float>({2}, {1, 2})}, {"b", Tensor::from_vector<float>({2}, {10, 20})}});
    EXPECT_EQ(floats(out.at("diff")), (std::vector<float>{9, 18}));
}

TEST(OvIrRead, MatMulTransposes) {
    TempDir dir;
    IrText ir;
    Src a = ir.parameter("a", "f32", {2, 2, 3});
    Src w = ir.constant<float>("w", "f32", {4, 3}, iota(12));
    Src v = ir.constant<float>("v", "f32", {3}, {1, 0, -1});
    Src y = ir.op1("MatMul", "opset1", "transpose_a=\"false\" transpose_b=\"true\"", {a, w}, f32({2, 2, 4}), "y");
    Src z = ir.op1("MatMul", "opset1", "transpose_a=\"false\" transpose_b=\"false\"", {a, v}, f32({2, 2}), "z");
    Src u = ir.op1("MatMul", "opset1", "transpose_a=\"true\" transpose_b=\"true\"", {v, w}, f32({4}), "u");
    ir.result(y);
    ir.result(z);
    ir.result(u);
    Model m = read_ir(ir.save(dir));
    EXPECT_EQ(ops_of(m.graph), (std::vector<std::string>{"Transpose", "MatMul", "MatMul", "Transpose", "MatMul"}));
    EXPECT_EQ(m.graph.nodes[0].attrs.get_ints("perm"), (std::vector<int64_t>{1, 0}));
    EXPECT_EQ(m.graph.nodes[1].name, "y");
    expect_inference_agrees(m);
    // y[b,i,j] = sum_k a[b,i,k] * w[j,k]
    std::vector<float> av = iota(12);
    TensorMap out = run_reference(m, {{"a", Tensor::from_vector<float>({2, 2, 3}, av)}});
    std::vector<float> expect;
    for (int r = 0; r < 4; ++r)
        for (int j = 0; j < 4; ++j) {
            float s = 0;
            for (int k = 0; k < 3; ++k) s += av[size_t(r * 3 + k)] * float(j * 3 + k);
            expect.push_back(s);
        }
    EXPECT_EQ(floats(out.at("y")), expect);
    EXPECT_EQ(floats(out.at("z")), (std::vector<float>{-2, -2, -2, -2}));
    EXPECT_EQ(floats(out.at("u")), (std::vector<float>{-2, -2, -2, -2}));
}

TEST(OvIrRead, GeluModes) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {3});
    ir.result(ir.op1("Gelu", "opset7", "approximation_mode=\"TANH\"", {x}, f32({3}), "t"));
    ir.result(ir.op1("Gelu", "opset7", "approximation_mode=\"erf\"", {x}, f32({3}), "e"));
    ir.result(ir.op1("Gelu", "opset2", "", {x}, f32({3}), "old"));
    Model m = read_ir(ir.save(dir));
    ASSERT_EQ(m.graph.nodes.size(), 3u);
    EXPECT_EQ(m.graph.nodes[0].attrs.get_string("approximate"), "tanh");
    EXPECT_EQ(m.graph.nodes[1].attrs.get_string("approximate"), "none");
    EXPECT_EQ(m.graph.nodes[2].attrs.get_string("approximate"), "none");
    TensorMap out = run_reference(m, {{"x", Tensor::from_vector<float>({3}, {-1, 0.5f, 2})}});
    for (int i = 0; i < 3; ++i) {
        double v = std::vector<double>{-1, 0.5, 2}[size_t(i)];
        double erf_gelu = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        double tanh_gelu = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
        EXPECT_NEAR(out.at("e").double_at(i), erf_gelu, 1e-6);
        EXPECT_NEAR(out.at("old").double_at(i), erf_gelu, 1e-6);
        EXPECT_NEAR(out.at("t").double_at(i), tanh_gelu, 1e-6);
    }
}

TEST(OvIrRead, MvnDecomposedWithEpsModes) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2, 4});
    Src axes = ir.i64("axes", {-1});
    ir.result(ir.op1("MVN", "opset6", "eps=\"0.5\" normalize_variance=\"true\" eps_mode=\"inside_sqrt\"", {x, axes}, f32({2, 4}), "inside"));
    ir.result(ir.op1("MVN", "opset6", "eps=\"0.5\" normalize_variance=\"true\" eps_mode=\"OUTSIDE_SQRT\"", {x, axes}, f32({2, 4}), "outside"));
    ir.result(ir.op1("MVN", "opset6", "eps=\"0.5\" normalize_variance=\"false\" eps_mode=\"inside_sqrt\"", {x, axes}, f32({2, 4}), "centered"));
    ir.result(ir.op1("MVN", "opset2", "eps=\"0.5\" normalize_variance=\"true\" across_channels=\"true\"", {x}, f32({2, 4}), "mvn1"));
    Model m = read_ir(ir.save(dir));
    std::vector<std::string> ops = ops_of(m.graph);
    std::vector<std::string> inside = {"ReduceMean", "Sub", "Mul", "ReduceMean", "Add", "Sqrt", "Div"};
    std::vector<std::string> outside = {"ReduceMean", "Sub", "Mul", "ReduceMean", "Sqrt", "Add", "Div"};
    EXPECT_EQ(std::vector<std::string>(ops.begin(), ops.begin() + 7), inside);
    EXPECT_EQ(std::vector<std::string>(ops.begin() + 7, ops.begin() + 14), outside);
    EXPECT_EQ(std::vector<std::string>(ops.begin() + 14, ops.begin() + 16), (std::vector<std::string>{"ReduceMean", "Sub"}));
    EXPECT_EQ(m.graph.nodes[0].attrs.get_int("keepdims"), 1);
    expect_inference_agrees(m);

    std::vector<float> xv = {1, 2, 3, 6, -1, 0, 1, 4};
    TensorMap out = run_reference(m, {{"x", Tensor::from_vector<float>({2, 4}, xv)}});
    for (int r = 0; r < 2; ++r) {
        double mean = 0, var = 0;
        for (int k = 0; k < 4; ++k) mean += xv[size_t(r * 4 + k)] / 4.0;
        for (int k = 0; k < 4; ++k) var += std::pow(xv[size_t(r * 4 + k)] - mean, 2) / 4.0;
        for (int k = 0; k < 4; ++k) {
            double d = xv[size_t(r * 4 + k)] - mean;
            int i = r * 4 + k;
            EXPECT_NEAR(out.at("inside").double_at(i), d / std::sqrt(var + 0.5), 1e-6);
            EXPECT_NEAR(out.at("outside").double_at(i), d / (std::sqrt(var) + 0.5), 1e-6);
            EXPECT_NEAR(out.at("centered").double_at(i), d, 1e-6);
            EXPECT_NEAR(out.at("mvn1").double_at(i), d / std::sqrt(var + 0.5), 1e-6);
        }
    }
}

TEST(OvIrRead, ConvertReshapeAndTypes) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2, 3});
    ir.result(ir.op1("Convert", "opset1", "destination_type=\"f16\"", {x}, {"FP16", {2, 3}}, "h"));
    ir.result(ir.op1("Convert", "opset1", "destination_type=\"boolean\"", {x}, boolp({2, 3}), "b"));
    ir.result(ir.op1("Reshape", "opset1", "special_zero=\"true\"", {x, ir.i64("s1", {0, -1})}, f32({2, 3}), "keep"));
    ir.result(ir.op1("Reshape", "opset1", "special_zero=\"false\"", {x, ir.i64("s2", {3, 2})}, f32({3, 2}), "plain"));
    Src empty = ir.parameter("e", "f32", {0, 4});
    ir.result(ir.op1("Reshape", "opset1", "special_zero=\"false\"", {empty, ir.i64("s3", {4, 0})}, f32({4, 0}), "zero"));
    Model m = read_ir(ir.save(dir));
    const Graph& g = m.graph;
    EXPECT_EQ(g.nodes[0].attrs.get_int("to"), 10);
    EXPECT_EQ(g.nodes[1].attrs.get_int("to"), 9);
    EXPECT_EQ(g.nodes[2].attrs.get_int("allowzero"), 0);
    EXPECT_EQ(g.nodes[3].attrs.get_int("allowzero"), 0);
    EXPECT_EQ(g.nodes[4].attrs.get_int("allowzero"), 1);
    expect_inference_agrees(m);
}

// numpy-style slicing of a [2,3,4] tensor holding 0..23, for the expectations below.
static float at3(int i, int j, int k) { return float(i * 12 + j * 4 + k); }

TEST(OvIrRead, StridedSliceMasks) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2, 3, 4});
    // x[1:, :, ::-1] with begin values that the masks override.
    Src a = ir.op1("StridedSlice", "opset1", "begin_mask=\"0,1,1\" end_mask=\"1,1,1\" new_axis_mask=\"\" shrink_axis_mask=\"\" ellipsis_mask=\"\"",
                   {x, ir.i64("b1", {1, 1, 123}), ir.i64("e1", {0, 0, 2}), ir.i64("st1", {1, 1, -1})}, f32({1, 3, 4}), "a");
    // x[np.newaxis, 0, ..., 1:3]: new axis, shrink, ellipsis, slice.
    Src b = ir.op1("StridedSlice", "opset1",
                   "begin_mask=\"0,0,0,0\" end_mask=\"0,0,0,0\" new_axis_mask=\"1,0,0,0\" shrink_axis_mask=\"0,1,0,0\" ellipsis_mask=\"0,0,1,0\"",
                   {x, ir.i64("b2", {0, 0, 0, 1}), ir.i64("e2", {0, 1, 0, 3}), ir.i64("st2", {1, 1, 1, 1})}, f32({1, 3, 2}), "b");
    // x[-1, -1] (shrinking to the last index of an axis), no stride input.
    Src c = ir.op1("StridedSlice", "opset1", "begin_mask=\"0,0\" end_mask=\"0,0\" shrink_axis_mask=\"1,1\"",
                   {x, ir.i64("b3", {-1, -1}), ir.i64("e3", {0, 0})}, f32({4}), "c");
    // x[:, ::2] whole and stepped: only axis 1 is sliced.
    Src d = ir.op1("StridedSlice", "opset1", "begin_mask=\"1,1\" end_mask=\"1,1\"",
                   {x, ir.i64("b4", {0, 0}), ir.i64("e4", {0, 0}), ir.i64("st4", {1, 2})}, f32({2, 2, 4}), "d");
    // x[...] everything: no slicing at all.
    Src e = ir.op1("StridedSlice", "opset1", "begin_mask=\"0\" end_mask=\"0\" ellipsis_mask=\"1\"",
                   {x, ir.i64("b5", {0}), ir.i64("e5", {0})}, f32({2, 3, 4}), "e");
    ir.result(a);
    ir.result(b);
    ir.result(c);
    ir.result(d);
    ir.result(e);
    Model m = read_ir(ir.save(dir));
    const Graph& g = m.graph;
    EXPECT_EQ(ops_of(g), (std::vector<std::string>{"Slice", "Slice", "Squeeze", "Unsqueeze", "Slice", "Squeeze", "Slice", "Identity"}));
    const int64_t big = std::numeric_limits<int64_t>::max(), small = std::numeric_limits<int64_t>::min();
    const Node& s1 = g.nodes[0];
    EXPECT_EQ(ints_of(g, s1.inputs[1]), (std::vector<int64_t>{1, big}));
    EXPECT_EQ(ints_of(g, s1.inputs[2]), (std::vector<int64_t>{big, small}));
    EXPECT_EQ(ints_of(g, s1.inputs[3]), (std::vector<int64_t>{0, 2}));
    EXPECT_EQ(ints_of(g, s1.inputs[4]), (std::vector<int64_t>{1, -1}));
    EXPECT_EQ(ints_of(g, g.nodes[2].inputs[1]), (std::vector<int64_t>{0}));  // squeeze the shrunk axis 0
    EXPECT_EQ(ints_of(g, g.nodes[3].inputs[1]), (std::vector<int64_t>{0}));  // the new axis in front
    EXPECT_EQ(ints_of(g, g.nodes[4].inputs[2]), (std::vector<int64_t>{big, big}));  // index -1 takes up to the end
    expect_inference_agrees(m);

    TensorMap out = run_reference(m, {{"x", Tensor::from_vector<float>({2, 3, 4}, iota(24))}});
    std::vector<float> ea, eb, ec, ed;
    for (int j = 0; j < 3; ++j)
        for (int k = 3; k >= 0; --k) ea.push_back(at3(1, j, k));
    for (int j = 0; j < 3; ++j)
        for (int k = 1; k < 3; ++k) eb.push_back(at3(0, j, k));
    for (int k = 0; k < 4; ++k) ec.push_back(at3(1, 2, k));
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; j += 2)
            for (int k = 0; k < 4; ++k) ed.push_back(at3(i, j, k));
    EXPECT_EQ(floats(out.at("a")), ea);
    EXPECT_EQ(out.at("b").shape, (Shape{1, 3, 2}));
    EXPECT_EQ(floats(out.at("b")), eb);
    EXPECT_EQ(out.at("c").shape, (Shape{4}));
    EXPECT_EQ(floats(out.at("c")), ec);
    EXPECT_EQ(floats(out.at("d")), ed);
    EXPECT_EQ(floats(out.at("e")), iota(24));
}

TEST(OvIrRead, StridedSliceRuntimeBounds) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {5, 3});
    Src n = ir.parameter("n", "i32", {1});
    Src k = ir.parameter("k", "i64", {2});
    // x[:n], x[k0], x[k0:4, ::-1] with n, k given at run time.
    Src a = ir.op1("StridedSlice", "opset1", "begin_mask=\"1\" end_mask=\"0\"", {x, ir.i64("zero", {0}), n, ir.i64("one", {1})},
                   f32({-1, 3}), "head");
    Src b = ir.op1("StridedSlice", "opset1", "begin_mask=\"0\" end_mask=\"0\" shrink_axis_mask=\"1\"",
                   {x, ir.op1("Slice", "opset8", "", {k, ir.i64("s0", {0}), ir.i64("s1", {1}), ir.i64("s2", {1})}, i64p({1}), "k0"),
                    ir.i64("unused", {0})},
                   f32({3}), "row");
    Src c = ir.op1("StridedSlice", "opset1", "begin_mask=\"0,1\" end_mask=\"0,1\"", {x, k, ir.i64("four", {4, 0}), ir.i64("st", {1, -1})}, f32({-1, 3}), "rows");
    ir.result(a);
    ir.result(b);
    ir.result(c);
    Model m = read_ir(ir.save(dir));
    expect_inference_agrees(m);
    auto run = [&](int32_t nv, std::vector<int64_t> kv) {
        return run_reference(m, {{"x", Tensor::from_vector<float>({5, 3}, iota(15))},
                                 {"n", Tensor::from_vector<int32_t>({1}, {nv})},
                                 {"k", Tensor::from_vector<int64_t>({2}, kv)}});
    };
    TensorMap out = run(2, {-1, 0});
    EXPECT_EQ(out.at("head").shape, (Shape{2, 3}));
    EXPECT_EQ(floats(out.at("head")), iota(6));
    EXPECT_EQ(floats(out.at("row")), (std::vector<float>{12, 13, 14}));  // k0 = -1: the last row
    EXPECT_EQ(out.at("rows").shape, (Shape{0, 3}));                       // x[-1:4] is x[4:4]
    out = run(9, {1, 3});
    EXPECT_EQ(floats(out.at("head")), iota(15));
    EXPECT_EQ(floats(out.at("row")), (std::vector<float>{3, 4, 5}));
    EXPECT_EQ(floats(out.at("rows")), (std::vector<float>{5, 4, 3, 8, 7, 6, 11, 10, 9}));
}

TEST(OvIrRead, SplitsSliceGather) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2, 6});
    Src dyn = ir.parameter("dyn", "f32", {2, -1}, "2,?");
    std::vector<Src> v = ir.op("VariadicSplit", "opset1", "", {x, ir.i64("ax", {1}, true), ir.i64("len", {2, -1})}, {f32({2, 2}), f32({2, 4})}, "vs");
    std::vector<Src> w = ir.op("VariadicSplit", "opset1", "", {dyn, ir.i64("ax2", {-1}, true), ir.i64("len2", {1, -1, 2})},
                               {f32({2, 1}), f32({2, -1}), f32({2, 2})}, "vsd");
    std::vector<Src> s = ir.op("Split", "opset1", "num_splits=\"3\"", {x, ir.i64("ax3", {1}, true)}, {f32({2, 2}), f32({2, 2}), f32({2, 2})}, "sp");
    Src sl = ir.op1("Slice", "opset8", "", {x, ir.i64("start", {5}), ir.i64("stop", {0}), ir.i64("step", {-2}), ir.i64("axes", {1})}, f32({2, 3}), "sl");
    Src ga = ir.op1("Gather", "opset8", "batch_dims=\"0\"", {x, ir.i64("idx", {-1, 0}), ir.i64("gax", {1}, true)}, f32({2, 2}), "ga");
    for (const Src& o : v) ir.result(o);
    for (const Src& o : w) ir.result(o);
    ir.result(s[2]);
    ir.result(sl);
    ir.result(ga);
    Model m = read_ir(ir.save(dir));
    const Graph& g = m.graph;
    const Node& vs = g.nodes[0];
    EXPECT_EQ(vs.op, OpKind::Split);
    EXPECT_EQ(vs.attrs.get_int("axis"), 1);
    EXPECT_EQ(ints_of(g, vs.inputs[1]), (std::vector<int64_t>{2, 4}));
    EXPECT_EQ(first(g, OpKind::Concat).inputs.size(), 3u);  // the dynamic -1 is computed from the shape
    EXPECT_EQ(first(g, OpKind::Gather).attrs.get_int("axis"), 1);
    expect_inference_agrees(m);
    TensorMap out = run_reference(m, {{"x", Tensor::from_vector<float>({2, 6}, iota(12))}, {"dyn", Tensor::from_vector<float>({2, 5}, iota(10))}});
    EXPECT_EQ(floats(out.at("vs.0")), (std::vector<float>{0, 1, 6, 7}));
    EXPECT_EQ(floats(out.at("vs.1")), (std::vector<float>{2, 3, 4, 5, 8, 9, 10, 11}));
    EXPECT_EQ(floats(out.at("vsd.1")), (std::vector<float>{1, 2, 6, 7}));
    EXPECT_EQ(floats(out.at("vsd.2")), (std::vector<float>{3, 4, 8, 9}));
    EXPECT_EQ(floats(out.at("sp.2")), (std::vector<float>{4, 5, 10, 11}));
    EXPECT_EQ(floats(out.at("sl")), (std::vector<float>{5, 3, 1, 11, 9, 7}));
    EXPECT_EQ(floats(out.at("ga")), (std::vector<float>{5, 0, 11, 6}));
}

TEST(OvIrRead, ShapeBroadcastRangeSelectReduce) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2, 3});
    Src shape = ir.op1("ShapeOf", "opset3", "output_type=\"i32\"", {x}, {"I32", {2}}, "shape");
    Src bc = ir.op1("Broadcast", "opset3", "mode=\"bidirectional\"", {ir.constant<float>("one", "f32", {3}, {1, 2, 3}), shape}, f32({2, 3}), "bc");
    Src ex = ir.op1("Broadcast", "opset3", "mode=\"explicit\"",
                    {ir.constant<float>("col", "f32", {2}, {7, 8}), ir.i64("tgt", {2, 3}), ir.i64("map", {0})}, f32({2, 3}), "ex");
    Src rg = ir.op1("Range", "opset4", "output_type=\"f32\"", {ir.i64("r0", {1}, true), ir.i64("r1", {7}, true), ir.i64("r2", {2}, true)}, f32({3}), "rg");
    Src lt = ir.op1("Less", "opset1", "auto_broadcast=\"numpy\"", {x, rg}, boolp({2, 3}), "lt");
    Src sel = ir.op1("Select", "opset1", "auto_broadcast=\"numpy\"", {lt, x, bc}, f32({2, 3}), "sel");
    Src rs = ir.op1("ReduceSum", "opset1", "keep_dims=\"true\"", {sel, ir.i64("rax", {1})}, f32({2, 1}), "rs");
    Src rm = ir.op1("ReduceMax", "opset1", "keep_dims=\"false\"", {x, ir.i64("rax2", {0}, true)}, f32({3}), "rm");
    Src noop = ir.op1("ReduceMean", "opset1", "keep_dims=\"false\"", {x, ir.i64("none", {})}, f32({2, 3}), "noop");
    Src r1 = ir.op1("Range", "opset1", "", {ir.constant<float>("f0", "f32", {}, {0.5f}), ir.constant<float>("f1", "f32", {}, {2}),
                                           ir.constant<float>("f2", "f32", {}, {0.5f})}, f32({3}), "range1");
    for (const Src& s : {shape, bc, ex, rg, sel, rs, rm, noop, r1}) ir.result(s);
    Model m = read_ir(ir.save(dir));
    expect_inference_agrees(m);
    TensorMap out = run_reference(m, {{"x", Tensor::from_vector<float>({2, 3}, iota(6))}});
    EXPECT_EQ(out.at("shape").dtype, DType::i32);
    EXPECT_EQ(floats(out.at("shape")), (std::vector<float>{2, 3}));
    EXPECT_EQ(floats(out.at("bc")), (std::vector<float>{1, 2, 3, 1, 2, 3}));
    EXPECT_EQ(floats(out.at("ex")), (std::vector<float>{7, 7, 7, 8, 8, 8}));
    EXPECT_EQ(floats(out.at("rg")), (std::vector<float>{1, 3, 5}));
    // x < [1,3,5] ? x : [1,2,3]
    EXPECT_EQ(floats(out.at("sel")), (std::vector<float>{0, 1, 2, 1, 2, 3}));
    EXPECT_EQ(floats(out.at("rs")), (std::vector<float>{3, 6}));
    EXPECT_EQ(floats(out.at("rm")), (std::vector<float>{3, 4, 5}));
    EXPECT_EQ(floats(out.at("noop")), iota(6));
    EXPECT_EQ(floats(out.at("range1")), (std::vector<float>{0.5f, 1, 1.5f}));
}

TEST(OvIrRead, IntegerDivisionFloors) {
    TempDir dir;
    IrText ir;
    Src a = ir.parameter("a", "i64", {4});
    Src b = ir.parameter("b", "i64", {4});
    ir.result(ir.op1("Divide", "opset1", "auto_broadcast=\"numpy\" m_pythondiv=\"true\"", {a, b}, i64p({4}), "floor"));
    ir.result(ir.op1("Divide", "opset1", "auto_broadcast=\"numpy\" m_pythondiv=\"false\"", {a, b}, i64p({4}), "trunc"));
    ir.result(ir.op1("FloorMod", "opset1", "auto_broadcast=\"numpy\"", {a, b}, i64p({4}), "fmod"));
    Model m = read_ir(ir.save(dir));
    TensorMap out = run_reference(m, {{"a", Tensor::from_vector<int64_t>({4}, {7, -7, 7, -7})}, {"b", Tensor::from_vector<int64_t>({4}, {2, 2, -2, -2})}});
    EXPECT_EQ(out.at("floor").to_int_vector(), (std::vector<int64_t>{3, -4, -4, 3}));
    EXPECT_EQ(out.at("trunc").to_int_vector(), (std::vector<int64_t>{3, -3, -3, 3}));
    EXPECT_EQ(out.at("fmod").to_int_vector(), (std::vector<int64_t>{1, 1, -1, -1}));
}

TEST(OvIrRead, SoftmaxTransposeConcatUnsqueezeSqueeze) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2, 3});
    Src sm = ir.op1("SoftMax", "opset8", "axis=\"-1\"", {x}, f32({2, 3}), "sm");
    Src tr = ir.op1("Transpose", "opset1", "", {x, ir.i64("order", {1, 0})}, f32({3, 2}), "tr");
    Src un = ir.op1("Unsqueeze", "opset1", "", {x, ir.i64("uax", {0}, true)}, f32({1, 2, 3}), "un");
    Src sq = ir.op1("Squeeze", "opset1", "", {un, ir.i64("sax", {0})}, f32({2, 3}), "sq");
    Src cc = ir.op1("Concat", "opset1", "axis=\"0\"", {x, sq}, f32({4, 3}), "cc");
    for (const Src& s : {sm, tr, cc}) ir.result(s);
    Model m = read_ir(ir.save(dir));
    EXPECT_EQ(ops_of(m.graph), (std::vector<std::string>{"Softmax", "Transpose", "Unsqueeze", "Squeeze", "Concat"}));
    expect_inference_agrees(m);
    TensorMap out = run_reference(m, {{"x", Tensor::from_vector<float>({2, 3}, iota(6))}});
    double z = std::exp(0.0) + std::exp(1.0) + std::exp(2.0);
    EXPECT_NEAR(out.at("sm").double_at(2), std::exp(2.0) / z, 1e-6);
    EXPECT_EQ(floats(out.at("tr")), (std::vector<float>{0, 3, 1, 4, 2, 5}));
    EXPECT_EQ(floats(out.at("cc")), (std::vector<float>{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5}));
}

TEST(OvIrRead, EinsumKeepsEquation) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {1, 2, 4});
    Src k = ir.constant<float>("kernel", "f32", {4, 2, 3}, iota(24));
    ir.result(ir.op1("Einsum", "opset7", "equation=\"abc,cde->abde\"", {x, k}, f32({1, 2, 2, 3}), "q"));
    Model m = read_ir(ir.save(dir));
    const Node& e = first(m.graph, OpKind::Einsum);
    EXPECT_EQ(e.attrs.get_string("equation"), "abc,cde->abde");
    EXPECT_EQ(e.inputs.size(), 2u);
    EXPECT_EQ(m.graph.values[size_t(e.outputs[0])].shape.dims, (std::vector<int64_t>{1, 2, 2, 3}));
}
