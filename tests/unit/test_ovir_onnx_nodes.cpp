// Every official ONNX node test that frugal runs is also run after a trip through OpenVINO IR
// (read_onnx -> write_ir -> read_ir): the outputs must match the direct run. This covers the
// writer and the reader for every op and attribute form the ONNX test data exercises.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "frontend/onnx/read_onnx.h"
#include "frontend/onnx/tensor_proto.h"
#include "frontend/ovir/read_ir.h"
#include "frontend/ovir/write_ir.h"
#include "ir/error.h"
#include "ovir_ir_text.h"
#include "runtime/reference_executor.h"

namespace fs = std::filesystem;
using namespace frugal;

namespace {

const char* kNodeTests = "/usr/share/libonnx-testdata/data/node";

// The inputs of test_data_set_0, by graph input name (ONNX 1.12 stores bfloat16 as uint16 bits).
bool load_inputs(const Model& m, const fs::path& set, TensorMap& feed) {
    const Graph& g = m.graph;
    for (size_t i = 0;; ++i) {
        fs::path p = set / ("input_" + std::to_string(i) + ".pb");
        if (!fs::exists(p)) break;
        std::ifstream f(p, std::ios::binary);
        onnx::TensorProto proto;
        if (!f || !proto.ParseFromIstream(&f)) return false;
        std::string name = proto.name();
        Tensor t = onnx_io::tensor_from_proto(proto, nullptr);
        bool known = false;
        for (ValueId id : g.inputs) known |= g.values[size_t(id)].name == name;
        if (!known) {
            if (i >= g.inputs.size()) return false;
            name = g.values[size_t(g.inputs[i])].name;
        }
        for (ValueId id : g.inputs)
            if (g.values[size_t(id)].name == name && g.values[size_t(id)].dtype == DType::bf16 && t.dtype == DType::u16) t.dtype = DType::bf16;
        feed[name] = t;
    }
    return true;
}

// "" when equal (floats within a small tolerance: decompositions round differently).
std::string compare(const Tensor& got, const Tensor& want) {
    if (got.dtype != want.dtype) return std::string("element type ") + dtype_name(got.dtype) + ", expected " + dtype_name(want.dtype);
    if (got.shape != want.shape) return "shape " + shape_to_string(got.shape) + ", expected " + shape_to_string(want.shape);
    double rtol = want.dtype == DType::f32 || want.dtype == DType::f64 ? 1e-5 : 1e-2;
    for (int64_t i = 0; i < want.numel(); ++i) {
        double a = got.double_at(i), b = want.double_at(i);
        if ((std::isnan(a) && std::isnan(b)) || a == b) continue;
        if (dtype_is_float(want.dtype) && std::fabs(a - b) <= 1e-6 + rtol * std::fabs(b)) continue;
        return "element " + std::to_string(i) + " is " + std::to_string(a) + ", expected " + std::to_string(b);
    }
    return "";
}

}  // namespace

TEST(OvIrOnnxNodes, EveryRunnableNodeTestMatchesThroughIr) {
    if (!fs::is_directory(kNodeTests)) GTEST_SKIP() << "libonnx-testdata is not installed";
    TempDir dir;
    int compared = 0, no_equivalent = 0;
    std::vector<std::string> failures;
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(kNodeTests))
        if (fs::exists(e.path() / "model.onnx") && fs::is_directory(e.path() / "test_data_set_0")) cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    for (const fs::path& c : cases) {
        std::string name = c.filename().string();
        Model direct;
        TensorMap feed, expected;
        try {
            direct = read_onnx((c / "model.onnx").string());
            if (!load_inputs(direct, c / "test_data_set_0", feed)) continue;
            expected = run_reference(direct, feed);
        } catch (const std::exception&) {
            continue;  // not runnable directly: the ONNX conformance run reports it
        }
        std::string xml = dir.file(name + ".xml");
        try {
            write_ir(direct, xml);
        } catch (const UnsupportedError&) {
            ++no_equivalent;  // e.g. Trilu: OpenVINO has no such op
            continue;
        } catch (const std::exception& e) {
            failures.push_back(name + ": write: " + e.what());
            continue;
        }
        try {
            Model back = read_ir(xml);
            TensorMap got = run_reference(back, feed);
            std::string why;
            for (const auto& [out, t] : expected) {
                auto it = got.find(out);
                why = it == got.end() ? "output '" + out + "' is missing" : compare(it->second, t);
                if (!why.empty()) {
                    why = "output '" + out + "': " + why;
                    break;
                }
            }
            if (!why.empty()) failures.push_back(name + ": " + why);
            ++compared;
        } catch (const std::exception& e) {
            failures.push_back(name + ": read back: " + e.what());
        }
    }
    for (const std::string& f : failures) ADD_FAILURE() << f;
    EXPECT_GT(compared, 300) << "too few node tests ran";
    EXPECT_LT(no_equivalent, 30);
    std::printf("%d node tests matched through IR, %d have no OpenVINO equivalent\n", compared - int(failures.size()), no_equivalent);
}
