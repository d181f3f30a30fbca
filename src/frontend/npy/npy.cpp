#include "frontend/npy/npy.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "ir/error.h"
#include "ir/limits.h"

namespace frugal {

std::string npy_descr(DType t) {
    switch (t) {
        case DType::f32: return "<f4";
        case DType::f16: return "<f2";
        case DType::f64: return "<f8";
        case DType::i8: return "|i1";
        case DType::u8: return "|u1";
        case DType::i16: return "<i2";
        case DType::u16: return "<u2";
        case DType::i32: return "<i4";
        case DType::u32: return "<u4";
        case DType::i64: return "<i8";
        case DType::u64: return "<u8";
        case DType::boolean: return "|b1";
        case DType::bf16: break;  // numpy has no bfloat16
        case DType::undefined: break;
    }
    fail(std::string("element type ") + dtype_name(t) + " has no .npy equivalent");
}

static DType dtype_from_descr(const std::string& d, const std::string& path) {
    static const DType all[] = {DType::f32, DType::f16, DType::f64, DType::i8, DType::u8, DType::i16,
                                DType::u16, DType::i32, DType::u32, DType::i64, DType::u64, DType::boolean};
    for (DType t : all) {
        std::string ours = npy_descr(t);
        // "<i1" and "|i1", "=f4" and "<f4" mean the same on this little-endian machine.
        if (d == ours || (d.size() == 3 && (d[0] == '<' || d[0] == '|' || d[0] == '=') && d.substr(1) == ours.substr(1)))
            return t;
    }
    fail(path + ": .npy element type '" + d + "' is not supported (big-endian, strings and objects are not)");
}

// The header is a Python dict literal, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".
// It is read by hand: std::regex matches recursively, one stack frame per character, and a
// long header (up to 1 MiB is allowed) overflowed the stack (found by a hand-made hostile file).
static size_t header_value(const std::string& h, const std::string& key, const std::string& path) {
    size_t p = std::string::npos;
    for (const char* q : {"'", "\""})
        if (p == std::string::npos && (p = h.find(q + key + q)) != std::string::npos) p += key.size() + 2;
    if (p == std::string::npos) return p;
    while (p < h.size() && h[p] == ' ') ++p;
    if (p >= h.size() || h[p] != ':') fail(path + ": .npy header: no ':' after '" + key + "'");
    ++p;
    while (p < h.size() && h[p] == ' ') ++p;
    return p;
}

static std::string header_string(const std::string& h, const std::string& key, const std::string& path) {
    size_t p = header_value(h, key, path);
    if (p == std::string::npos) fail(path + ": .npy header has no " + key);
    if (p >= h.size() || (h[p] != '\'' && h[p] != '"')) fail(path + ": .npy header: " + key + " is not a string");
    size_t end = h.find(h[p], p + 1);
    if (end == std::string::npos) fail(path + ": .npy header: " + key + " string is not closed");
    return h.substr(p + 1, end - p - 1);
}

// A bare word value (True, False); empty when the key is missing.
static std::string header_word(const std::string& h, const std::string& key, const std::string& path) {
    size_t p = header_value(h, key, path);
    if (p == std::string::npos) return "";
    size_t end = p;
    while (end < h.size() && std::isalpha(static_cast<unsigned char>(h[end]))) ++end;
    return h.substr(p, end - p);
}

static Shape header_shape(const std::string& h, const std::string& path) {
    size_t p = header_value(h, "shape", path);
    if (p == std::string::npos) fail(path + ": .npy header has no shape");
    if (p >= h.size() || h[p] != '(') fail(path + ": .npy header: shape is not a tuple");
    size_t end = h.find(')', p);
    if (end == std::string::npos) fail(path + ": .npy header: shape tuple is not closed");
    Shape shape;
    std::string dims = h.substr(p + 1, end - p - 1);
    size_t i = 0;
    while (i < dims.size()) {
        if (dims[i] == ' ' || dims[i] == ',') {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < dims.size() && std::isdigit(static_cast<unsigned char>(dims[j]))) ++j;
        if (j == i) fail(path + ": .npy header: shape " + h.substr(p, end - p + 1).substr(0, 64) + " is not a tuple of sizes");
        std::string digits = dims.substr(i, j - i);
        if (j < dims.size() && dims[j] == 'L') ++j;  // Python 2 longs: "(3L, 4L)"
        errno = 0;
        long long d = std::strtoll(digits.c_str(), nullptr, 10);
        if (errno == ERANGE) fail(path + ": .npy shape dimension " + digits.substr(0, 40) + " is too large");
        shape.push_back(d);
        i = j;
    }
    return shape;
}

Tensor read_npy(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) fail(path + ": cannot open");
    char magic[8];
    if (!f.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) fail(path + ": not a .npy file (bad magic)");
    int major = uint8_t(magic[6]);
    uint32_t header_len = 0;
    if (major == 1) {
        uint8_t b[2];
        if (!f.read(reinterpret_cast<char*>(b), 2)) fail(path + ": truncated .npy header");
        header_len = b[0] | (uint32_t(b[1]) << 8);
    } else if (major == 2 || major == 3) {
        uint8_t b[4];
        if (!f.read(reinterpret_cast<char*>(b), 4)) fail(path + ": truncated .npy header");
        header_len = b[0] | (uint32_t(b[1]) << 8) | (uint32_t(b[2]) << 16) | (uint32_t(b[3]) << 24);
    } else {
        fail(path + ": .npy version " + std::to_string(major) + " is not supported");
    }
    if (header_len > (1u << 20)) fail(path + ": .npy header is implausibly long");
    std::string header(header_len, '\0');
    if (!f.read(header.data(), header_len)) fail(path + ": truncated .npy header");

    DType t = dtype_from_descr(header_string(header, "descr", path), path);
    if (header_word(header, "fortran_order", path) == "True") fail(path + ": Fortran-order .npy files are not supported");
    Shape shape = header_shape(header, path);

    // The data must be in the file before we allocate for it: a few header bytes may claim any shape.
    size_t bytes = checked_tensor_bytes(t, shape, path + ": .npy " + std::string(dtype_name(t)) + " array");
    std::streampos data_start = f.tellg();
    f.seekg(0, std::ios::end);
    std::streamoff available = f.tellg() - data_start;
    f.seekg(data_start);
    if (!f || available < 0 || uint64_t(available) < bytes)
        fail(path + ": .npy data is shorter than " + dtype_name(t) + shape_to_string(shape) + " needs (" +
             std::to_string(bytes) + " bytes)");
    Tensor out = Tensor::empty(t, shape);
    if (out.nbytes() && !f.read(reinterpret_cast<char*>(out.mutable_raw()), std::streamsize(out.nbytes())))
        fail(path + ": .npy data is shorter than " + dtype_name(t) + shape_to_string(shape) + " needs");
    return out;
}

void write_npy(const std::string& path, const Tensor& t) {
    // numpy's tuple syntax: "()", "(3,)", "(2, 3)".
    std::string shape = "(";
    for (size_t i = 0; i < t.shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(t.shape[i]);
    if (t.shape.size() == 1) shape += ",";
    shape += ")";
    std::string header = "{'descr': '" + npy_descr(t.dtype) + "', 'fortran_order': False, 'shape': " + shape + ", }";
    // Pad with spaces so that the data starts on a 64-byte boundary, ending with a newline.
    size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::ofstream f(path, std::ios::binary);
    if (!f) fail(path + ": cannot create");
    f.write("\x93NUMPY\x01\x00", 8);
    uint16_t len = uint16_t(header.size());
    char lb[2] = {char(len & 0xff), char(len >> 8)};
    f.write(lb, 2);
    f.write(header.data(), std::streamsize(header.size()));
    f.write(reinterpret_cast<const char*>(t.raw()), std::streamsize(t.nbytes()));
    if (!f) fail(path + ": write failed");
}

}  // namespace frugal
