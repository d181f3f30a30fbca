#include "compile/compiled_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "compile/compiled_graph_io.h"
#include "ir/error.h"
#include "kernels/cpu/threads.h"

namespace frugal::compile {

namespace {

constexpr char kMagic[8] = {'F', 'R', 'U', 'G', 'A', 'L', 'C', 'M'};
constexpr size_t kVersionField = 56, kSignatureField = 160;
constexpr size_t kSectionEntry = 24;
constexpr uint32_t kMaxSections = 8;
enum SectionKind : uint32_t { kData = 1, kGraph = 2, kPacked = 3 };
constexpr size_t kAlign = 64;

struct Header {
    uint32_t format_version = 0, header_size = 0, section_count = 0;
    uint64_t file_size = 0, checksum = 0;
    std::string frugal_version, cpu_signature;
};

struct Section {
    uint32_t kind = 0;
    uint64_t offset = 0, size = 0;
};

uint64_t fnv1a(uint64_t h, const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}
constexpr uint64_t kFnvSeed = 0xcbf29ce484222325ull;

uint64_t align_up(uint64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

std::string fixed_field(const std::byte* p, size_t n) {
    const char* c = reinterpret_cast<const char*>(p);
    return std::string(c, strnlen(c, n));
}

// The packed weights' fields besides their bytes.
void encode_packed(const CompiledModel& cm, ByteWriter& w, const std::vector<uint64_t>& offsets) {
    // The bias each packed weight was built with: the FusedMatMul's input 2, found through node_packed.
    std::vector<int32_t> bias(cm.packed.size(), kNoId);
    const Graph& g = cm.model.graph;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        int p = cm.node_packed[i];
        if (p >= 0 && g.nodes[i].op == OpKind::FusedMatMul && g.nodes[i].has_input(2)) bias[size_t(p)] = g.nodes[i].inputs[2];
    }
    w.u32(uint32_t(cm.packed.size()));
    for (size_t i = 0; i < cm.packed.size(); ++i) {
        const kernels::PackedMatmul& pm = *cm.packed[i];
        const kernels::MatmulOptions& o = pm.options();
        w.i64(pm.k());
        w.i64(pm.n());
        w.u8(o.transposed_b);
        w.u8(uint8_t(o.activation));
        w.u8(o.residual);
        w.u8(o.single_row_gemv);
        w.i32(bias[i]);
        w.str(pm.geometry());
        w.u64(offsets[i]);
        w.u64(pm.packed_bytes());
    }
}

// Writes the file in whole, aligned 2 MiB pieces: ext4 then keeps it in the page cache as 2 MiB
// folios, which a later mmap maps with huge-page entries (all of GPT-2 medium's 1.4 GB instead of
// about three quarters through ofstream's writes), sparing the kernels the TLB misses of 4 KiB pages.
class ChunkedWriter {
public:
    explicit ChunkedWriter(const std::string& path) : path_(path), buf_(kChunk) {
        fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0) fail(path + ": cannot create: " + std::strerror(errno));
    }
    ~ChunkedWriter() {
        if (fd_ >= 0) ::close(fd_);
    }
    void write(const void* p, size_t n) {
        const char* c = static_cast<const char*>(p);
        while (n > 0) {
            size_t take = std::min(n, kChunk - fill_);
            std::memcpy(buf_.data() + fill_, c, take);
            fill_ += take;
            c += take;
            n -= take;
            pos_ += take;
            if (fill_ == kChunk) flush();
        }
    }
    void zeros_to(uint64_t target) {
        static const char zeros[4096] = {};
        while (pos_ < target) write(zeros, size_t(std::min<uint64_t>(target - pos_, sizeof zeros)));
    }
    uint64_t pos() const { return pos_; }
    void close() {
        flush();
        if (::close(fd_) != 0) fail(path_ + ": write failed: " + std::strerror(errno));
        fd_ = -1;
    }

private:
    void flush() {
        size_t done = 0;
        while (done < fill_) {
            ssize_t w = ::write(fd_, buf_.data() + done, fill_ - done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) fail(path_ + ": write failed: " + std::strerror(errno));
            done += size_t(w);
        }
        fill_ = 0;
    }
    static constexpr size_t kChunk = size_t(2) << 20;
    std::string path_;
    std::vector<char> buf_;
    size_t fill_ = 0;
    uint64_t pos_ = 0;
    int fd_ = -1;
};

}  // namespace

void write_compiled(const CompiledModel& cm, const std::string& path) {
    // DATA is laid out first so that the graph can refer to it by file offset: every constant
    // (shared bytes once) and every packed weight, each 64-byte aligned, starting after the
    // header and section table on a page boundary.
    const uint64_t data_start = 4096;
    std::vector<std::pair<const std::byte*, size_t>> blobs;
    std::map<std::pair<const std::byte*, size_t>, uint64_t> placed;
    uint64_t end = data_start;
    auto place = [&](const std::byte* p, size_t n) -> uint64_t {
        auto [it, fresh] = placed.emplace(std::pair{p, n}, end);
        if (fresh) {
            blobs.push_back({p, n});
            end = align_up(end + n);
        }
        return it->second;
    };
    PlaceTensor place_tensor = [&](const Tensor& t) { return place(t.raw(), t.nbytes()); };
    std::vector<uint64_t> packed_offsets;
    for (const auto& pm : cm.packed) {
        if (!pm->packed()) fail(path + ": cannot write a compiled model whose weights are not packed");
        packed_offsets.push_back(place(pm->packed_buffer()->data(), pm->packed_bytes()));
    }
    ByteWriter graph, packed;
    encode_graph(cm, graph, place_tensor);
    encode_packed(cm, packed, packed_offsets);

    Section sections[3] = {{kData, data_start, end - data_start}, {kGraph, end, graph.bytes().size()}, {kPacked, 0, packed.bytes().size()}};
    sections[2].offset = align_up(sections[1].offset + sections[1].size);
    uint64_t file_size = sections[2].offset + sections[2].size;

    std::byte table[3 * kSectionEntry] = {};
    for (int i = 0; i < 3; ++i) {
        std::memcpy(table + i * kSectionEntry, &sections[i].kind, 4);
        std::memcpy(table + i * kSectionEntry + 8, &sections[i].offset, 8);
        std::memcpy(table + i * kSectionEntry + 16, &sections[i].size, 8);
    }
    uint64_t checksum = fnv1a(kFnvSeed, table, sizeof table);
    checksum = fnv1a(checksum, graph.bytes().data(), graph.bytes().size());
    checksum = fnv1a(checksum, packed.bytes().data(), packed.bytes().size());

    std::byte header[kCompiledHeaderSize] = {};
    uint32_t version = kCompiledFormatVersion, header_size = kCompiledHeaderSize, count = 3;
    std::memcpy(header, kMagic, 8);
    std::memcpy(header + 8, &version, 4);
    std::memcpy(header + 12, &header_size, 4);
    std::memcpy(header + 16, &file_size, 8);
    std::memcpy(header + 24, &count, 4);
    std::memcpy(header + 32, &checksum, 8);
    std::string signature = kernels::packing_cpu_signature();
    std::memcpy(header + 40, kFrugalVersion, std::min(std::strlen(kFrugalVersion), kVersionField - 1));
    std::memcpy(header + 96, signature.data(), std::min(signature.size(), kSignatureField - 1));

    std::string tmp = path + ".tmp";
    try {
        ChunkedWriter f(tmp);
        f.write(header, sizeof header);
        f.write(table, sizeof table);
        f.zeros_to(data_start);
        for (const auto& [p, n] : blobs) {  // in the order place() gave them their offsets
            f.zeros_to(align_up(f.pos()));
            f.write(p, n);
        }
        f.zeros_to(sections[1].offset);
        f.write(graph.bytes().data(), graph.bytes().size());
        f.zeros_to(sections[2].offset);
        f.write(packed.bytes().data(), packed.bytes().size());
        if (f.pos() != file_size) fail(tmp + ": wrote " + std::to_string(f.pos()) + " bytes, expected " + std::to_string(file_size));
        f.close();
    } catch (...) {
        std::remove(tmp.c_str());  // no half-written file left behind
        throw;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) fail(path + ": cannot rename " + tmp + " into place: " + ec.message());
}

bool is_compiled_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    char magic[8] = {};
    return f.read(magic, 8) && std::memcmp(magic, kMagic, 8) == 0;
}

std::shared_ptr<const CompiledModel> load_compiled(const std::string& path, int threads) {
    if (threads > 0) kernels::set_num_threads(threads);
    std::shared_ptr<const Buffer> file = Buffer::map_file(path);
    // Map every page now (one madvise, about 10 ms for GPT-2 medium's 1.4 GB from the page
    // cache) rather than through a page fault every few pages during the first inference.
    file->prefetch_range(0, file->size());
    return load_compiled_bytes(std::move(file), path);
}

std::shared_ptr<const CompiledModel> load_compiled_bytes(std::shared_ptr<const Buffer> file, const std::string& name) {
    if (!file) fail(name + ": no bytes");
    const std::byte* base = file->data();
    size_t size = file->size();
    if (size < 8 || std::memcmp(base, kMagic, 8) != 0) fail(name + ": not a compiled frugal file (no FRUGALCM magic)");
    if (size < kCompiledHeaderSize) fail(name + ": truncated compiled file (" + std::to_string(size) + " bytes, header alone is 256)");
    Header h;
    std::memcpy(&h.format_version, base + 8, 4);
    std::memcpy(&h.header_size, base + 12, 4);
    std::memcpy(&h.file_size, base + 16, 8);
    std::memcpy(&h.section_count, base + 24, 4);
    std::memcpy(&h.checksum, base + 32, 8);
    h.frugal_version = fixed_field(base + 40, kVersionField);
    h.cpu_signature = fixed_field(base + 96, kSignatureField);
    if (h.format_version != kCompiledFormatVersion)
        fail(name + ": compiled file format version " + std::to_string(h.format_version) + ", this frugal reads version " +
             std::to_string(kCompiledFormatVersion) + "; compile the model again");
    if (h.frugal_version != kFrugalVersion)
        fail(name + ": compiled by frugal " + h.frugal_version + ", this is frugal " + kFrugalVersion + "; compile the model again");
    std::string here = kernels::packing_cpu_signature();
    if (h.cpu_signature != here)
        fail(name + ": compiled for another CPU or oneDNN (file: \"" + h.cpu_signature + "\", here: \"" + here +
             "\"); compile the model again on this machine");
    uint32_t reserved = 0;
    std::memcpy(&reserved, base + 28, 4);
    if (h.header_size != kCompiledHeaderSize || reserved != 0) fail(name + ": corrupt header (header size " + std::to_string(h.header_size) + ", reserved " + std::to_string(reserved) + ")");
    if (h.file_size != size)
        fail(name + ": the header says " + std::to_string(h.file_size) + " bytes, the file has " + std::to_string(size) +
             (size < h.file_size ? " (truncated)" : " (corrupt)"));
    if (h.section_count == 0 || h.section_count > kMaxSections || kCompiledHeaderSize + h.section_count * kSectionEntry > size)
        fail(name + ": corrupt header (" + std::to_string(h.section_count) + " sections)");

    const std::byte* table = base + kCompiledHeaderSize;
    size_t table_bytes = h.section_count * kSectionEntry;
    std::map<uint32_t, Section> sections;
    for (uint32_t i = 0; i < h.section_count; ++i) {
        Section s;
        std::memcpy(&s.kind, table + i * kSectionEntry, 4);
        std::memcpy(&s.offset, table + i * kSectionEntry + 8, 8);
        std::memcpy(&s.size, table + i * kSectionEntry + 16, 8);
        if (s.offset < kCompiledHeaderSize + table_bytes || s.offset > size || s.size > size - s.offset)
            fail(name + ": section " + std::to_string(s.kind) + " at [" + std::to_string(s.offset) + ", +" + std::to_string(s.size) +
                 ") lies outside the file of " + std::to_string(size) + " bytes");
        if (!sections.emplace(s.kind, s).second) fail(name + ": section " + std::to_string(s.kind) + " appears twice");
    }
    for (uint32_t kind : {kData, kGraph, kPacked})
        if (!sections.count(kind)) fail(name + ": section " + std::to_string(kind) + " is missing");
    const Section& data = sections[kData];
    const Section& graph_s = sections[kGraph];
    const Section& packed_s = sections[kPacked];
    uint64_t checksum = fnv1a(kFnvSeed, table, table_bytes);
    checksum = fnv1a(checksum, base + graph_s.offset, graph_s.size);
    checksum = fnv1a(checksum, base + packed_s.offset, packed_s.size);
    if (checksum != h.checksum) fail(name + ": checksum mismatch in the graph or section table (corrupt file)");

    // Tensors are views into the file's DATA section; nothing is copied.
    auto view = [&](uint64_t offset, uint64_t bytes, const std::string& what) {
        if (offset % kAlign != 0 || offset < data.offset || offset > data.offset + data.size || bytes > data.offset + data.size - offset)
            fail(name + ": " + what + " at [" + std::to_string(offset) + ", +" + std::to_string(bytes) +
                 ") is not an aligned range of the data section (corrupt file)");
        return Buffer::view(file, size_t(offset), size_t(bytes));
    };
    TensorAt tensor_at = [&](DType dt, const Shape& shape, uint64_t offset, uint64_t bytes) {
        return Tensor::over(dt, shape, view(offset, bytes, "a tensor"));
    };

    auto cm = std::make_shared<CompiledModel>();
    cm->model.path = name;
    ByteReader gr(base + graph_s.offset, size_t(graph_s.size), name + ": graph section", size_t(graph_s.offset));
    decode_graph(gr, tensor_at, *cm);

    ByteReader pr(base + packed_s.offset, size_t(packed_s.size), name + ": packed-weight section", size_t(packed_s.offset));
    const Graph& g = cm->model.graph;
    size_t count = pr.count(32);
    check_compiled_graph(*cm, count, name);
    for (size_t i = 0; i < count; ++i) {
        int64_t K = pr.i64(), N = pr.i64();
        kernels::MatmulOptions o;
        o.transposed_b = pr.u8() != 0;
        uint8_t act = pr.u8();
        if (act > uint8_t(kernels::Activation::gelu_erf)) pr.corrupt("activation " + std::to_string(act));
        o.activation = kernels::Activation(act);
        o.residual = pr.u8() != 0;
        o.single_row_gemv = pr.u8() != 0;
        int32_t bias_id = pr.i32();
        std::string geometry = pr.str();
        uint64_t offset = pr.u64(), bytes = pr.u64();
        // Bounded so that no size computed from them (here or inside oneDNN) can overflow.
        if (K <= 0 || N <= 0 || K > (int64_t(1) << 31) || N > (int64_t(1) << 31) || uint64_t(K) * uint64_t(N) > (uint64_t(1) << 40))
            pr.corrupt("packed weight dimensions K=" + std::to_string(K) + " N=" + std::to_string(N));
        Tensor bias;
        if (bias_id != kNoId) {
            if (bias_id < 0 || size_t(bias_id) >= g.values.size() || !g.values[size_t(bias_id)].is_constant())
                pr.corrupt("packed weight bias id " + std::to_string(bias_id));
            bias = *g.values[size_t(bias_id)].constant;
        }
        auto pm = std::make_unique<kernels::PackedMatmul>(K, N, o, bias);
        std::string here_geometry = pm->geometry();
        if (geometry != here_geometry)
            fail(name + ": packed weight " + std::to_string(i) + " was laid out as \"" + geometry + "\", this CPU's oneDNN wants \"" +
                 here_geometry + "\"; compile the model again on this machine");
        if (bytes != pm->packed_bytes()) pr.corrupt("packed weight of " + std::to_string(bytes) + " bytes");
        pm->adopt_packed(view(offset, bytes, "packed weight " + std::to_string(i)));
        cm->packed.push_back(std::move(pm));
        cm->packed_locks.push_back(std::make_unique<std::mutex>());
    }
    if (!pr.at_end()) pr.corrupt("bytes left after the packed weights");

    // Each packed node's weight value must have the shape its PackedMatmul was built for.
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        int p = cm->node_packed[i];
        if (p < 0) continue;
        const Node& n = g.nodes[i];
        const kernels::PackedMatmul& pm = *cm->packed[size_t(p)];
        size_t input = n.op == OpKind::FusedMatMul ? 1 : 0;
        bool fits = (n.op == OpKind::FusedMatMul || (n.op == OpKind::Gather && pm.options().transposed_b)) && n.has_input(input);
        if (fits) {
            const Value& w = g.values[size_t(n.inputs[input])];
            Shape want = pm.options().transposed_b ? Shape{pm.n(), pm.k()} : Shape{pm.k(), pm.n()};
            fits = !w.is_constant() && w.producer == kNoId && w.shape.is_static() && w.shape.dims == want && w.dtype == DType::f32;
        }
        if (!fits) fail(name + ": corrupt compiled graph: node '" + n.name + "' does not fit packed weight " + std::to_string(p));
    }
    return cm;
}

}  // namespace frugal::compile
