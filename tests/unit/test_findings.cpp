// Regression tests for what the sanitizers and fuzzers found (issue 7). Each passes in a plain
// build too; under `make test-asan` (ASan + UBSan, aborting on undefined behaviour) it is the
// check that the bug stays fixed. The fuzzers' inputs themselves are replayed from tests/regress/.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "error_of.h"
#include "frontend/npy/npy.h"
#include "frontend/ovir/read_ir.h"
#include "generate/generate.h"
#include "generate/tokenizer.h"
#include "ir/error.h"
#include "ir/tensor.h"
#include "models/keras_gpt2.h"
#include "ovir_ir_text.h"

using namespace frugal;

using frugal::test::error_of;

namespace {

// A version-2 .npy file whose header is `dict` padded as numpy pads it, then `data_bytes` zeros.
std::string write_npy_v2(const std::string& name, const std::string& dict, size_t data_bytes) {
    std::string header = dict;
    header.append((64 - (12 + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    uint32_t n = uint32_t(header.size());
    std::string bytes = std::string("\x93NUMPY\x02\x00", 8);
    for (int i = 0; i < 4; ++i) bytes += char((n >> (8 * i)) & 0xff);
    bytes += header;
    bytes.append(data_bytes, '\0');
    std::string path = (std::filesystem::temp_directory_path() / ("frugal_findings_" + std::to_string(getpid()) + "_" + name)).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

}  // namespace

// fuzz_ir: an IR Transpose whose order is an empty Const; to_int_vector memcpy'd 0 bytes to the
// empty vector's null data() (undefined behaviour).
TEST(SanitizerFindings, EmptyTensorToIntVector) {
    EXPECT_TRUE(Tensor::empty(DType::i64, {0}).to_int_vector().empty());
    EXPECT_TRUE(Tensor::empty(DType::i32, {2, 0}).to_int_vector().empty());
}

// A .npy header of 900 KB (numpy allows long headers; read_npy up to 1 MiB): std::regex matched it
// with one stack frame per character and the process died of a stack overflow (SIGSEGV).
TEST(SanitizerFindings, LongNpyHeaderIsParsedWithoutRecursion) {
    std::string path = write_npy_v2("long.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::string(900000, ' ') + "2,), }", 8);
    Tensor t = read_npy(path);
    std::filesystem::remove(path);
    EXPECT_EQ(t.shape, (Shape{2}));
    // The hand parser keeps the format's variants and refuses what is not a shape.
    path = write_npy_v2("py2.npy", "{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": (3L, 1L)}", 24);
    EXPECT_EQ(read_npy(path).shape, (Shape{3, 1}));
    std::filesystem::remove(path);
    path = write_npy_v2("bad.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", 8);
    std::string e = error_of([&] { read_npy(path); });
    std::filesystem::remove(path);
    EXPECT_NE(e.find("shape (2, x) is not a tuple of sizes"), std::string::npos) << e;
    path = write_npy_v2("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8);
    e = error_of([&] { read_npy(path); });
    std::filesystem::remove(path);
    EXPECT_NE(e.find("Fortran-order"), std::string::npos) << e;
}

// The model's "frugal.config" metadata: max_positions followed by a long run of digits overflowed
// the stack in std::regex, and one past int64 escaped as std::out_of_range from std::stoll.
TEST(SanitizerFindings, MaxPositionsMetadataParsedByHand) {
    Model m = make_keras_gpt2(gpt2_config("tiny"), 1, false);
    m.metadata["frugal.config"] = "n_layer=2 max_positions=77 n_head=2";
    EXPECT_EQ(generate::describe_decoder(m).max_positions, 77);
    m.metadata["frugal.config"] = "max_positions=" + std::string(500000, '0') + "5";
    EXPECT_EQ(generate::describe_decoder(m).max_positions, 5);
    m.metadata["frugal.config"] = "max_positions=99999999999999999999";
    std::string e = error_of([&] { generate::describe_decoder(m); });
    EXPECT_NE(e.find("max_positions is too large"), std::string::npos) << e;
}

// make test-asan: OpenVINO IR Consts at odd offsets of the .bin (after an odd number of i8/u8
// values) became float/int views at unaligned addresses, and reading them is undefined behaviour
// (UBSan in OvIrRead.*). A misaligned weight is now copied to aligned memory; aligned ones stay
// views into the mapped file.
TEST(SanitizerFindings, MisalignedIrConstIsCopiedAligned) {
    TempDir dir;
    IrText ir;
    float values[2] = {1.5f, -2.0f};
    ir.bin.assign(1, '\x7f');  // one byte first, so the floats start at offset 1
    ir.bin.append(reinterpret_cast<const char*>(values), sizeof values);
    ir.bin.append(3, '\0');
    ir.bin.append(reinterpret_cast<const char*>(values), sizeof values);  // offset 12: aligned
    Src odd = ir.constant_at("odd", "f32", {2}, 1, 8);
    Src even = ir.constant_at("even", "f32", {2}, 12, 8);
    ir.result(odd);
    ir.result(even);
    Model m = read_ir(ir.save(dir));
    int seen = 0;
    for (const Value& v : m.graph.values) {
        if (!v.is_constant()) continue;
        const Tensor& t = *v.constant;
        EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % alignof(float), 0u) << v.name;
        EXPECT_EQ(t.data<float>()[0], 1.5f);
        EXPECT_EQ(t.data<float>()[1], -2.0f);
        // The aligned one still shares the mapped file; the odd one is an owned copy.
        EXPECT_EQ(t.buffer->root()->kind(), v.name == "odd" ? Buffer::Kind::owned : Buffer::Kind::mapped) << v.name;
        ++seen;
    }
    EXPECT_EQ(seen, 2);
}

// fuzz_tokenizer_json / fuzz_tokenizer_files: a number too large for a double ("1e400") made
// nlohmann::json throw json::out_of_range, which parse_json did not catch, so it escaped as a
// non-frugal exception (std::terminate in the fuzz target) instead of an error naming the file.
TEST(SanitizerFindings, JsonNumberOverflowIsAFileError) {
    TempDir dir;
    write_text(dir.file("tokenizer.json"), "{\"model\": {\"vocab\": {\"a\": 1e400}}}");
    std::string e = error_of([&] { generate::Tokenizer::from_tokenizer_json(dir.file("tokenizer.json")); });
    EXPECT_NE(e.find("tokenizer.json: invalid JSON: number overflow parsing '1e400'"), std::string::npos) << e;
    write_text(dir.file("vocab.json"), "[13e333]");
    write_text(dir.file("merges.txt"), "");
    e = error_of([&] { generate::Tokenizer::from_files(dir.file("vocab.json"), dir.file("merges.txt")); });
    EXPECT_NE(e.find("vocab.json: invalid JSON: number overflow"), std::string::npos) << e;
}
