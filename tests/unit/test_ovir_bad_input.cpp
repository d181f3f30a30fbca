// The OpenVINO IR reader on bad input: each case a clear error naming the file and the layer
// (id, name, type) where there is one, never a crash.
#include <gtest/gtest.h>

#include <functional>

#include "error_of.h"
#include "frontend/ovir/read_ir.h"
#include "ir/error.h"
#include "ovir_ir_text.h"

using namespace frugal;

using frugal::test::error_of;

namespace {

IrText one_const_model(const std::string& et, const std::vector<int64_t>& dims, size_t offset, size_t size, size_t bin_size) {
    IrText ir;
    ir.bin.assign(bin_size, '\0');
    Src c = ir.constant_at("weight", et, dims, offset, size);
    ir.result(c);
    return ir;
}

}  // namespace

TEST(OvIrBadInput, ConstPastEndOfBin) {
    TempDir dir;
    std::string path = one_const_model("f32", {4}, 8, 16, 20).save(dir);
    std::string msg = error_of([&] { read_ir(path); });
    EXPECT_NE(msg.find("layer 0 'weight' (Const)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("past the end"), std::string::npos) << msg;
}

TEST(OvIrBadInput, ConstSizeDoesNotMatchShape) {
    TempDir dir;
    std::string path = one_const_model("f32", {4}, 0, 12, 64).save(dir);
    std::string msg = error_of([&] { read_ir(path); });
    EXPECT_NE(msg.find("layer 0 'weight' (Const)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("size 12 does not match"), std::string::npos) << msg;
}

TEST(OvIrBadInput, EdgeToMissingLayer) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2});
    ir.op1("Relu", "opset1", "", {x}, f32({2}), "r");
    ir.raw_edge("<edge from-layer=\"42\" from-port=\"0\" to-layer=\"1\" to-port=\"0\"/>");
    std::string msg = error_of([&] { read_ir(ir.save(dir)); });
    EXPECT_NE(msg.find("there is no layer 42 (the edge feeds layer 1 'r' (Relu))"), std::string::npos) << msg;
}

TEST(OvIrBadInput, EdgeToMissingPort) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2});
    Src r = ir.op1("Relu", "opset1", "", {x}, f32({2}), "r");
    ir.result(r);
    ir.raw_edge("<edge from-layer=\"0\" from-port=\"0\" to-layer=\"1\" to-port=\"5\"/>");
    std::string msg = error_of([&] { read_ir(ir.save(dir)); });
    EXPECT_NE(msg.find("layer 1 'r' (Relu) has no input port 5"), std::string::npos) << msg;
}

TEST(OvIrBadInput, InputPortWithoutEdge) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2});
    ir.take_id();
    ir.raw_layer("<layer id=\"1\" name=\"lonely\" type=\"Add\" version=\"opset1\"><input><port id=\"0\"><dim>2</dim></port>"
                 "<port id=\"1\"><dim>2</dim></port></input><output><port id=\"2\" precision=\"FP32\"><dim>2</dim></port></output></layer>");
    ir.raw_edge("<edge from-layer=\"0\" from-port=\"0\" to-layer=\"1\" to-port=\"0\"/>");
    ir.result({1, 2, f32({2})});
    std::string msg = error_of([&] { read_ir(ir.save(dir)); });
    EXPECT_NE(msg.find("layer 1 'lonely' (Add): input port 1 has no incoming edge"), std::string::npos) << msg;
}

TEST(OvIrBadInput, DuplicateLayerIds) {
    TempDir dir;
    IrText ir;
    ir.parameter("x", "f32", {2});
    ir.raw_layer("<layer id=\"0\" name=\"again\" type=\"Parameter\" version=\"opset1\"><data shape=\"2\" element_type=\"f32\"/>"
                 "<output><port id=\"0\" precision=\"FP32\"><dim>2</dim></port></output></layer>");
    std::string msg = error_of([&] { read_ir(ir.save(dir)); });
    EXPECT_NE(msg.find("layer 0 'again' (Parameter): duplicate layer id 0"), std::string::npos) << msg;
}

TEST(OvIrBadInput, UnknownOpType) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2});
    ir.result(ir.op1("FancyOp", "opset1", "", {x}, f32({2}), "fancy"));
    std::string path = ir.save(dir);
    EXPECT_THROW(read_ir(path), UnsupportedError);
    std::string msg = error_of([&] { read_ir(path); });
    EXPECT_NE(msg.find("layer 1 'fancy' (FancyOp): unsupported op type 'FancyOp'"), std::string::npos) << msg;
}

TEST(OvIrBadInput, UnknownOpVersion) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2});
    ir.result(ir.op1("Relu", "opset99", "", {x}, f32({2}), "r"));
    std::string msg = error_of([&] { read_ir(ir.save(dir)); });
    EXPECT_NE(msg.find("layer 1 'r' (Relu): unknown version 'opset99'"), std::string::npos) << msg;

    IrText old;
    Src y = old.parameter("y", "f32", {2});
    old.result(old.op1("Einsum", "opset6", "equation=\"i->i\"", {y}, f32({2}), "e"));
    msg = error_of([&] { read_ir(old.save(dir, "old")); });
    EXPECT_NE(msg.find("Einsum is not in opset6"), std::string::npos) << msg;
}

TEST(OvIrBadInput, UnknownIrVersion) {
    TempDir dir;
    IrText ir;
    ir.result(ir.parameter("x", "f32", {2}));
    write_text(dir.file("v7.xml"), ir.xml("7"));
    std::string msg = error_of([&] { read_ir(dir.file("v7.xml")); });
    EXPECT_NE(msg.find("unsupported IR version '7'"), std::string::npos) << msg;
}

TEST(OvIrBadInput, CyclicEdges) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2});
    ir.take_id();
    ir.take_id();
    ir.raw_layer("<layer id=\"1\" name=\"a\" type=\"Add\" version=\"opset1\"><input><port id=\"0\"><dim>2</dim></port>"
                 "<port id=\"1\"><dim>2</dim></port></input><output><port id=\"2\" precision=\"FP32\"><dim>2</dim></port></output></layer>");
    ir.raw_layer("<layer id=\"2\" name=\"b\" type=\"Relu\" version=\"opset1\"><input><port id=\"0\"><dim>2</dim></port></input>"
                 "<output><port id=\"1\" precision=\"FP32\"><dim>2</dim></port></output></layer>");
    ir.raw_edge("<edge from-layer=\"0\" from-port=\"0\" to-layer=\"1\" to-port=\"0\"/>");
    ir.raw_edge("<edge from-layer=\"2\" from-port=\"1\" to-layer=\"1\" to-port=\"1\"/>");
    ir.raw_edge("<edge from-layer=\"1\" from-port=\"2\" to-layer=\"2\" to-port=\"0\"/>");
    ir.result({2, 1, f32({2})});
    std::string msg = error_of([&] { read_ir(ir.save(dir)); });
    EXPECT_NE(msg.find("cycle through layer"), std::string::npos) << msg;
    EXPECT_TRUE(msg.find("'a' (Add)") != std::string::npos || msg.find("'b' (Relu)") != std::string::npos) << msg;
}

TEST(OvIrBadInput, MalformedXml) {
    TempDir dir;
    write_text(dir.file("bad.xml"), "<?xml version=\"1.0\"?>\n<net version=\"11\"><layers><layer id=\"0\"></layers></net>");
    std::string msg = error_of([&] { read_ir(dir.file("bad.xml")); });
    EXPECT_NE(msg.find("bad.xml: malformed XML"), std::string::npos) << msg;
    EXPECT_NE(msg.find("at offset"), std::string::npos) << msg;
}

TEST(OvIrBadInput, MissingFiles) {
    TempDir dir;
    IrText ir;
    ir.result(ir.constant<float>("w", "f32", {1}, {1}));
    write_text(dir.file("nobin.xml"), ir.xml());
    std::string msg = error_of([&] { read_ir(dir.file("nobin.xml")); });
    EXPECT_NE(msg.find("layer 0 'w' (Const): the weights file is needed"), std::string::npos) << msg;
    EXPECT_NE(msg.find("nobin.bin"), std::string::npos) << msg;
    msg = error_of([&] { read_ir(dir.file("absent.xml")); });
    EXPECT_NE(msg.find("absent.xml: cannot open"), std::string::npos) << msg;
    // A model without constants needs no .bin.
    IrText plain;
    plain.result(plain.parameter("x", "f32", {1}));
    write_text(dir.file("plain.xml"), plain.xml());
    EXPECT_NO_THROW(read_ir(dir.file("plain.xml")));
}

TEST(OvIrBadInput, UnsupportedAttributes) {
    TempDir dir;
    IrText ir;
    Src x = ir.parameter("x", "f32", {2, 3});
    ir.result(ir.op1("Gather", "opset8", "batch_dims=\"1\"", {x, ir.i64("i", {0, 1}), ir.i64("a", {1}, true)}, f32({2}), "g"));
    std::string msg = error_of([&] { read_ir(ir.save(dir)); });
    EXPECT_NE(msg.find("'g' (Gather): batch_dims=1 is not supported"), std::string::npos) << msg;

    IrText bc;
    Src y = bc.parameter("y", "f32", {2, 3});
    bc.result(bc.op1("Broadcast", "opset3", "mode=\"explicit\"", {y, bc.i64("t", {3, 2}), bc.i64("m", {1, 0})}, f32({3, 2}), "b"));
    msg = error_of([&] { read_ir(bc.save(dir, "bc")); });
    EXPECT_NE(msg.find("'b' (Broadcast): explicit broadcast is supported only with an increasing axes_mapping"), std::string::npos) << msg;
}
