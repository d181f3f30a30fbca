#pragma once
// The byte encoding of the compiled file's GRAPH and PACKED sections (compiled_file.h): a writer
// that appends little-endian fields, and a reader that checks every read against the end of its
// section and every count against the bytes left, so that corrupt input is an Error.
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "compile/compile.h"

namespace frugal::compile {

class ByteWriter {
public:
    void u8(uint8_t v) { bytes_.push_back(char(v)); }
    void u32(uint32_t v) { raw(&v, 4); }
    void i32(int32_t v) { raw(&v, 4); }
    void u64(uint64_t v) { raw(&v, 8); }
    void i64(int64_t v) { raw(&v, 8); }
    void f32(float v) { raw(&v, 4); }
    void str(const std::string& s) {
        u32(uint32_t(s.size()));
        bytes_.append(s);
    }
    const std::string& bytes() const { return bytes_; }

private:
    void raw(const void* p, size_t n) { bytes_.append(static_cast<const char*>(p), n); }
    std::string bytes_;
};

class ByteReader {
public:
    // `what` names the file and section in messages; `base` is the section's file offset.
    ByteReader(const std::byte* data, size_t size, std::string what, size_t base)
        : data_(data), size_(size), what_(std::move(what)), base_(base) {}
    uint8_t u8() { return take<uint8_t>(); }
    uint32_t u32() { return take<uint32_t>(); }
    int32_t i32() { return take<int32_t>(); }
    uint64_t u64() { return take<uint64_t>(); }
    int64_t i64() { return take<int64_t>(); }
    float f32() { return take<float>(); }
    std::string str();
    // A count of records of at least `min_bytes` each; more than the bytes left can hold is corrupt.
    size_t count(size_t min_bytes);
    bool at_end() const { return pos_ == size_; }
    [[noreturn]] void corrupt(const std::string& why) const;

private:
    template <class T>
    T take() {
        if (size_ - pos_ < sizeof(T)) corrupt("truncated");
        T v;
        std::memcpy(&v, data_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }
    const std::byte* data_;
    size_t size_, pos_ = 0;
    std::string what_;
    size_t base_;
};

// Where a tensor's bytes go in (writing) or come from (reading) the DATA section.
using PlaceTensor = std::function<uint64_t(const Tensor&)>;
using TensorAt = std::function<Tensor(DType, const Shape&, uint64_t offset, uint64_t bytes)>;

// GRAPH: the compiled model's graph, model fields and node_packed.
void encode_graph(const CompiledModel& cm, ByteWriter& w, const PlaceTensor& place);
void decode_graph(ByteReader& r, const TensorAt& tensor_at, CompiledModel& cm);

// Checks what the session relies on: ids in range, one producer per value matching its node,
// nodes in topological order (every input a graph input, a constant, a packed weight or an
// earlier node's output), node_packed entries in range. `packed_count` packed weights exist.
void check_compiled_graph(const CompiledModel& cm, size_t packed_count, const std::string& file);

}  // namespace frugal::compile
