#include "frontend/onnx/tensor_proto.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <optional>

#include "ir/error.h"
#include "ir/file_tensor.h"
#include "ir/limits.h"
#include "ir/onnx_dtype.h"

namespace frugal::onnx_io {

namespace fs = std::filesystem;

// A location must name a file inside the model's folder: no absolute path, no "..", and after
// resolving symbolic links it must still be inside (a link pointing out is refused like "..").
static fs::path resolve_inside(const std::string& dir, const std::string& location, const std::string& tensor) {
    fs::path loc(location);
    if (location.empty()) fail("tensor '" + tensor + "': external data has no location");
    if (loc.is_absolute()) fail("tensor '" + tensor + "': external data location '" + location + "' is an absolute path; it must be relative to the model's folder");
    for (const fs::path& part : loc)
        if (part == "..") fail("tensor '" + tensor + "': external data location '" + location + "' leaves the model's folder");
    fs::path base = fs::weakly_canonical(dir.empty() ? fs::path(".") : fs::path(dir));
    fs::path full = base / loc;
    std::error_code ec;
    fs::path real = fs::canonical(full, ec);
    if (ec) fail("tensor '" + tensor + "': external data file '" + full.string() + "' cannot be opened: " + ec.message());
    auto [b, r] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
    if (b != base.end()) fail("tensor '" + tensor + "': external data location '" + location + "' resolves to '" + real.string() + "', outside the model's folder");
    return real;
}

std::shared_ptr<Buffer> ExternalData::view(const std::string& location, size_t offset, size_t length, const std::string& tensor) {
    auto it = files_.find(location);
    if (it == files_.end()) {
        fs::path real = resolve_inside(dir_, location, tensor);
        it = files_.emplace(location, Buffer::map_file(real.string())).first;
    }
    const auto& file = it->second;
    if (offset > file->size() || length > file->size() - offset)
        fail("tensor '" + tensor + "': external data [" + std::to_string(offset) + ", +" + std::to_string(length) +
             ") is past the end of '" + location + "' (" + std::to_string(file->size()) + " bytes)");
    return Buffer::view(file, offset, length);
}

template <class Src, class Dst>
static void copy_converted(const Src& field, Dst* out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<Dst>(field.Get(int(i)));
}

Tensor tensor_from_proto(onnx::TensorProto& proto, ExternalData* external) {
    const std::string& name = proto.name();
    DType t = dtype_from_onnx_if_supported(proto.data_type());
    if (t == DType::undefined)
        throw UnsupportedError("tensor '" + name + "' has element type " + onnx_dtype_name(proto.data_type()) +
                                   ", which frugal does not support",
                               std::string("element type ") + onnx_dtype_name(proto.data_type()));
    Shape shape(proto.dims().begin(), proto.dims().end());
    for (int64_t d : shape)
        if (d < 0) fail("tensor '" + name + "' has a negative dimension in " + shape_to_string(shape));
    // Element count and bytes with overflow checks (not yet the memory limit: raw and external
    // data are bounded by the file, which may be mapped beyond RAM).
    std::string what = "tensor '" + name + "' of shape " + shape_to_string(shape);
    int64_t n = 1;
    for (int64_t d : shape) n = checked_mul(n, d, what);
    size_t bytes = size_t(checked_mul(n, int64_t(dtype_size(t)), what));

    if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
        if (!external) fail("tensor '" + name + "' refers to external data where none is allowed");
        std::string location;
        size_t offset = 0;
        std::optional<size_t> length;
        for (const auto& kv : proto.external_data()) {
            try {
                if (kv.key() == "location") location = kv.value();
                else if (kv.key() == "offset") offset = std::stoull(kv.value());
                else if (kv.key() == "length") length = std::stoull(kv.value());
            } catch (const std::exception&) {
                fail("tensor '" + name + "': external data " + kv.key() + " '" + kv.value() + "' is not a number");
            }
        }
        if (length && *length != bytes)
            fail("tensor '" + name + "': external data length " + std::to_string(*length) + " does not match " +
                 dtype_name(t) + shape_to_string(shape) + " (" + std::to_string(bytes) + " bytes)");
        return tensor_over_file_bytes(t, shape, external->view(location, offset, bytes, name));
    }

    if (proto.has_raw_data()) {
        if (proto.raw_data().size() != bytes)
            fail("tensor '" + name + "' has " + std::to_string(proto.raw_data().size()) + " bytes of raw data, but " +
                 dtype_name(t) + shape_to_string(shape) + " needs " + std::to_string(bytes));
        // Moving the string hands its heap block to the Buffer: the weight stays where the parser put it.
        std::unique_ptr<std::string> raw(proto.release_raw_data());
        return Tensor::over(t, shape, Buffer::adopt(std::move(*raw)));
    }

    // Typed fields: the values must be converted, so this is the one place bytes are written anew.
    // The value count is checked before allocating: a few bytes of dims must not make us
    // allocate gigabytes only to find the values missing.
    int have = 0;
    switch (t) {
        case DType::f32: have = proto.float_data_size(); break;
        case DType::f64: have = proto.double_data_size(); break;
        case DType::i64: have = proto.int64_data_size(); break;
        case DType::u32: case DType::u64: have = proto.uint64_data_size(); break;
        default: have = proto.int32_data_size(); break;
    }
    if (int64_t(have) != n)
        fail("tensor '" + name + "' has " + std::to_string(have) + " values, but " + shape_to_string(shape) +
             " needs " + std::to_string(n));
    checked_tensor_bytes(t, shape, "tensor '" + name + "'");
    Tensor out = Tensor::empty(t, shape);
    switch (t) {
        case DType::f32: copy_converted(proto.float_data(), out.mutable_data<float>(), n); proto.clear_float_data(); break;
        case DType::f64: copy_converted(proto.double_data(), out.mutable_data<double>(), n); proto.clear_double_data(); break;
        case DType::i64: copy_converted(proto.int64_data(), out.mutable_data<int64_t>(), n); proto.clear_int64_data(); break;
        case DType::u32: copy_converted(proto.uint64_data(), out.mutable_data<uint32_t>(), n); break;
        case DType::u64: copy_converted(proto.uint64_data(), out.mutable_data<uint64_t>(), n); break;
        case DType::i32: copy_converted(proto.int32_data(), out.mutable_data<int32_t>(), n); break;
        case DType::i16: copy_converted(proto.int32_data(), out.mutable_data<int16_t>(), n); break;
        case DType::u16: copy_converted(proto.int32_data(), out.mutable_data<uint16_t>(), n); break;
        case DType::i8: copy_converted(proto.int32_data(), out.mutable_data<int8_t>(), n); break;
        case DType::u8: copy_converted(proto.int32_data(), out.mutable_data<uint8_t>(), n); break;
        case DType::boolean: copy_converted(proto.int32_data(), out.mutable_data<bool>(), n); break;
        case DType::f16: case DType::bf16: {
            // 16-bit floats travel as their bit patterns in int32_data.
            uint16_t* d = reinterpret_cast<uint16_t*>(out.mutable_raw());
            for (int64_t i = 0; i < n; ++i) d[i] = uint16_t(proto.int32_data(int(i)));
            break;
        }
        case DType::undefined: break;
    }
    proto.clear_int32_data();
    return out;
}

void tensor_to_proto(const Tensor& t, onnx::TensorProto& proto) {
    proto.set_data_type(dtype_to_onnx(t.dtype));
    proto.clear_dims();
    for (int64_t d : t.shape) proto.add_dims(d);
    proto.set_raw_data(reinterpret_cast<const char*>(t.raw()), t.nbytes());
}

}  // namespace frugal::onnx_io
