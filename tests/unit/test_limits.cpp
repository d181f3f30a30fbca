// Resource limits on hostile input (issue 7): sizes that overflow or exceed the machine's memory
// are refused with frugal::Error naming what asked for them, before anything is allocated, and
// deep nesting is refused rather than overflowing the stack.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "error_of.h"
#include "frontend/npy/npy.h"
#include "frontend/onnx/read_onnx.h"
#include "frontend/ovir/read_ir.h"
#include "generate/tokenizer.h"
#include "ir/buffer.h"
#include "ir/error.h"
#include "ir/limits.h"
#include "ovir_ir_text.h"

using namespace frugal;

using frugal::test::error_of;

namespace {

// Restores the default limit when a test that lowered it ends, even on failure.
struct LimitGuard {
    explicit LimitGuard(size_t bytes) { set_allocation_limit(bytes); }
    ~LimitGuard() { set_allocation_limit(0); }
};

std::string onnx_bytes(const onnx::ModelProto& m) {
    std::string s;
    m.SerializeToString(&s);
    return s;
}

// y = Relu(x) with x declared as `dims`.
onnx::ModelProto relu_model(const std::vector<int64_t>& dims) {
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.add_opset_import()->set_version(17);
    onnx::GraphProto* g = m.mutable_graph();
    onnx::ValueInfoProto* x = g->add_input();
    x->set_name("x");
    x->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
    onnx::NodeProto* n = g->add_node();
    n->set_op_type("Relu");
    n->set_name("act");
    n->add_input("x");
    n->add_output("y");
    g->add_output()->set_name("y");
    return m;
}

}  // namespace

TEST(Limits, CheckedMulRefusesOverflowAndNegatives) {
    EXPECT_EQ(checked_mul(1 << 20, 1 << 20, "t"), int64_t(1) << 40);
    EXPECT_EQ(checked_mul(0, INT64_MAX, "t"), 0);
    EXPECT_NE(error_of([] { checked_mul(int64_t(1) << 32, int64_t(1) << 31, "tensor 'w'"); }).find("tensor 'w': 4294967296 * 2147483648 overflows 64 bits"),
              std::string::npos);
    EXPECT_NE(error_of([] { checked_mul(-1, 3, "tensor 'w'"); }).find("negative size -1"), std::string::npos);
}

TEST(Limits, TensorBytesOverflowAndMemory) {
    EXPECT_EQ(checked_tensor_bytes(DType::f32, {2, 3}, "t"), 24u);
    std::string e = error_of([] { checked_tensor_bytes(DType::f32, {int64_t(1) << 40, int64_t(1) << 30}, "tensor 'w'"); });
    EXPECT_NE(e.find("tensor 'w': shape [1099511627776,1073741824] has more elements than fit in 64 bits"), std::string::npos) << e;
    // 2^62 elements fit, their 2^64 bytes do not.
    e = error_of([] { checked_tensor_bytes(DType::f32, {int64_t(1) << 62}, "tensor 'w'"); });
    EXPECT_NE(e.find("needs more bytes than fit in 64 bits"), std::string::npos) << e;
    e = error_of([] { checked_tensor_bytes(DType::f32, {1 << 20, 1 << 20, 1 << 10}, "tensor 'w'"); });
    EXPECT_NE(e.find("needs 4503599627370496 bytes, more than the"), std::string::npos) << e;
    EXPECT_NE(e.find("bytes of memory this machine has"), std::string::npos) << e;
}

TEST(Limits, AllocationLimitIsPhysicalMemory) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    EXPECT_EQ(allocation_limit(), size_t(pages) * size_t(page));
    LimitGuard g(1 << 20);
    EXPECT_EQ(allocation_limit(), size_t(1) << 20);
    EXPECT_NE(allocation_limit_description().find("a tensor may use here"), std::string::npos);
}

// Absurd sizes end in frugal::Error, not std::bad_alloc, a failed mmap or a wrapped size.
TEST(Limits, TensorEmptyRefusesAbsurdSizes) {
    std::string e = error_of([] { Tensor::empty(DType::f32, {int64_t(1) << 40, int64_t(1) << 20}); });
    EXPECT_NE(e.find("tensor of float32[1099511627776,1048576] needs 4611686018427387904 bytes, more than"), std::string::npos) << e;
    e = error_of([] { Tensor::empty(DType::f64, {INT64_MAX}); });
    EXPECT_NE(e.find("too large"), std::string::npos) << e;
    e = error_of([] { Tensor::empty(DType::f32, {INT64_MAX, 2}); });
    EXPECT_NE(e.find("more elements than fit in 64 bits"), std::string::npos) << e;
    e = error_of([] { Buffer::allocate(SIZE_MAX); });
    EXPECT_NE(e.find("cannot allocate 18446744073709551615 bytes: more than"), std::string::npos) << e;
    {
        LimitGuard g(1 << 20);
        e = error_of([] { Tensor::empty(DType::f32, {1 << 20}); });
        EXPECT_NE(e.find("needs 4194304 bytes, more than the 1048576 bytes a tensor may use here"), std::string::npos) << e;
        EXPECT_EQ(Tensor::empty(DType::f32, {1 << 18}).nbytes(), size_t(1) << 20);
    }
}

TEST(Limits, OnnxFromBytesReadsAModel) {
    Model m = read_onnx_bytes(onnx_bytes(relu_model({2, 3})), "mem.onnx");
    ASSERT_EQ(m.graph.outputs.size(), 1u);
    EXPECT_EQ(m.graph.values[size_t(m.graph.outputs[0])].shape.to_string(), "[2,3]");
    EXPECT_NE(error_of([] { read_onnx_bytes("\x08\x01garbage", "mem.onnx"); }).find("mem.onnx: not a valid ONNX model"), std::string::npos);
}

TEST(Limits, OnnxFromBytesRefusesExternalData) {
    onnx::ModelProto m = relu_model({2});
    onnx::TensorProto* w = m.mutable_graph()->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    w->add_dims(2);
    w->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* loc = w->add_external_data();
    loc->set_key("location");
    loc->set_value("weights.bin");
    std::string e = error_of([&] { read_onnx_bytes(onnx_bytes(m), "mem.onnx"); });
    EXPECT_NE(e.find("mem.onnx: initializer tensor 'w' refers to external data where none is allowed"), std::string::npos) << e;
}

TEST(Limits, OnnxValueLargerThanMemoryIsRefusedWhileReading) {
    std::string e = error_of([] { read_onnx_bytes(onnx_bytes(relu_model({1000000, 1000000, 1000})), "big.onnx"); });
    EXPECT_NE(e.find("big.onnx: value 'x': float32[1000000,1000000,1000] needs 4000000000000000 bytes, more than"), std::string::npos) << e;
    // The same limit, lowered, names the node whose output is too big.
    LimitGuard g(1000);
    e = error_of([] { read_onnx_bytes(onnx_bytes(relu_model({20, 20})), "small.onnx"); });
    EXPECT_NE(e.find("small.onnx: value 'x'"), std::string::npos) << e;
}

TEST(Limits, OnnxTypedInitializerCountCheckedBeforeAllocating) {
    onnx::ModelProto m = relu_model({2});
    onnx::TensorProto* w = m.mutable_graph()->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    w->add_dims(4);
    w->add_dims(1000000000000);  // 16 TB, with no values
    size_t before = Buffer::live_owned_bytes();
    std::string e = error_of([&] { read_onnx_bytes(onnx_bytes(m), "mem.onnx"); });
    EXPECT_NE(e.find("tensor 'w' has 0 values, but [4,1000000000000] needs 4000000000000"), std::string::npos) << e;
    EXPECT_EQ(Buffer::live_owned_bytes(), before);
}

TEST(Limits, OnnxNestingBeyondProtobufLimitIsRefused) {
    // If nodes nested 150 deep through then_branch graphs (protobuf's parser stops at 100).
    onnx::GraphProto inner;
    inner.add_node()->set_op_type("Relu");
    for (int i = 0; i < 150; ++i) {
        onnx::GraphProto outer;
        onnx::NodeProto* n = outer.add_node();
        n->set_op_type("If");
        onnx::AttributeProto* a = n->add_attribute();
        a->set_name("then_branch");
        a->set_type(onnx::AttributeProto::GRAPH);
        *a->mutable_g() = std::move(inner);
        inner = std::move(outer);
    }
    onnx::ModelProto m;
    m.set_ir_version(8);
    *m.mutable_graph() = std::move(inner);
    std::string e = error_of([&] { read_onnx_bytes(onnx_bytes(m), "deep.onnx"); });
    EXPECT_NE(e.find("deep.onnx: not a valid ONNX model (the protobuf message is corrupt, truncated or nested more than 100 deep)"), std::string::npos) << e;
}

TEST(Limits, IrConstWhoseBytesOverflowIsRefused) {
    // 2^62 f32 elements: the element count fits in int64, the byte count does not (this
    // multiplication was signed overflow, undefined behaviour, before it was checked).
    TempDir dir;
    IrText ir;
    Src c = ir.constant_at("weight", "f32", {int64_t(1) << 62}, 0, 16);
    ir.result(c);
    std::string path = ir.save(dir);
    std::string e = error_of([&] { read_ir(path); });
    EXPECT_NE(e.find("layer 0 'weight' (Const): f32[4611686018427387904] in bytes: 4611686018427387904 * 4 overflows 64 bits"), std::string::npos) << e;
}

TEST(Limits, IrDeepXmlNestingIsAnError) {
    // pugixml parses without recursion; the reader looks only at fixed paths, so a document nested
    // 100000 deep is read (and refused for what it lacks) without exhausting the stack.
    TempDir dir;
    std::string xml = "<?xml version=\"1.0\"?><net name=\"t\" version=\"11\"><layers>";
    for (int i = 0; i < 100000; ++i) xml += "<a>";
    for (int i = 0; i < 100000; ++i) xml += "</a>";
    xml += "</layers><edges/></net>";
    write_text(dir.file("deep.xml"), xml);
    write_text(dir.file("deep.bin"), "");
    std::string e = error_of([&] { read_ir(dir.file("deep.xml")); });
    EXPECT_NE(e.find("deep.xml: the model has no Result layer"), std::string::npos) << e;
}

TEST(Limits, NpyHeaderClaimingMoreThanTheFileIsRefusedBeforeAllocating) {
    TempDir dir;
    auto npy = [&](const std::string& name, const std::string& shape) {
        std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
        header += '\n';
        std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 0xff) + char(header.size() >> 8) + header;
        bytes.append(16, '\0');
        write_text(dir.file(name), bytes);
        return dir.file(name);
    };
    size_t before = Buffer::live_owned_bytes();
    // 16 GB claimed, 16 bytes present: under this machine's memory, so only the file check stops it.
    std::string e = error_of([&] { read_npy(npy("a.npy", "(4, 1000000000)")); });
    EXPECT_NE(e.find("a.npy: .npy data is shorter than float32[4,1000000000] needs (16000000000 bytes)"), std::string::npos) << e;
    EXPECT_EQ(Buffer::live_owned_bytes(), before);
    e = error_of([&] { read_npy(npy("b.npy", "(99999999999999999999999,)")); });
    EXPECT_NE(e.find("b.npy: .npy shape dimension 99999999999999999999999 is too large"), std::string::npos) << e;
    EXPECT_EQ(read_npy(npy("c.npy", "(2, 2)")).numel(), 4);
}

TEST(Limits, TokenizerJsonNestingIsRefused) {
    TempDir dir;
    std::string deep = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": " + std::string(100000, '[') + std::string(100000, ']') + "}}}";
    write_text(dir.file("tokenizer.json"), deep);
    std::string e = error_of([&] { generate::Tokenizer::from_tokenizer_json(dir.file("tokenizer.json")); });
    EXPECT_NE(e.find("tokenizer.json:1: JSON nested deeper than 64 levels"), std::string::npos) << e;
}
