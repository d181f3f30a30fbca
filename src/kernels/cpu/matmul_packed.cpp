#include "kernels/cpu/matmul_packed.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/error.h"
#include "kernels/cpu/dnnl_engine.h"
#include "kernels/cpu/gemv_panels.h"
#include "kernels/cpu/pack_panels.h"

namespace frugal::kernels {

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

constexpr size_t kMaxCachedM = 64;

dnnl::algorithm eltwise_algorithm(Activation a) {
    return a == Activation::gelu_tanh ? dnnl::algorithm::eltwise_gelu_tanh : dnnl::algorithm::eltwise_gelu_erf;
}

// Offsets of one dimension's index in a blocked memory desc. A blocked offset is a sum of one
// term per dimension (the outer block times its stride, plus the position inside each inner
// block times that block's stride), so the offset of element (k, n) is dim_offset(0, k) +
// dim_offset(1, n) + offset0. This is what lets gather_rows walk a column of B with a table.
struct BlockedIndex {
    dnnl_memory_desc_t md;

    int64_t dim_offset(int d, int64_t idx) const {
        const dnnl_blocking_desc_t& b = md.format_desc.blocking;
        int64_t inner_stride = 1, divisor = 1, inner = 0;
        for (int j = b.inner_nblks - 1; j >= 0; --j) {
            if (b.inner_idxs[j] == d) {
                inner += (idx / divisor) % b.inner_blks[j] * inner_stride;
                divisor *= b.inner_blks[j];
            }
            inner_stride *= b.inner_blks[j];
        }
        return idx / divisor * b.strides[d] + inner;
    }
};

}  // namespace

struct PackedMatmul::Impl {
    int64_t K = 0, N = 0;
    MatmulOptions options;
    Tensor bias;
    dnnl::memory::desc packed_md;  // chosen by oneDNN for M = 1, used for every M
    std::shared_ptr<const Buffer> packed;
    dnnl::memory weights_mem, bias_mem;
    // Offsets, in floats, of the elements along a row of the original weight tensor (k with
    // transposed_b, n otherwise); the other dimension's part is added per row.
    std::vector<int64_t> along_offsets;
    // Panel stride when the layout is BA16a64b (64-column panels of [K padded, 64] rows), else 0.
    // Then pack() uses pack_panels, and M = 1 runs through gemv_panels if the options allow.
    int64_t panel_stride = 0;

    struct ForM {
        dnnl::matmul primitive;
        dnnl::memory src, dst, residual;
    };
    std::unordered_map<int64_t, ForM> cache;

    dnnl::matmul::primitive_desc make_pd(int64_t M, const dnnl::memory::desc& weights_md) const {
        dnnl::memory::desc src_md({M, K}, dt::f32, tag::ab);
        dnnl::memory::desc dst_md({M, N}, dt::f32, tag::ab);
        dnnl::post_ops ops;
        if (options.activation != Activation::none) ops.append_eltwise(1.f, eltwise_algorithm(options.activation), 0.f, 0.f);
        if (options.residual) ops.append_binary(dnnl::algorithm::binary_add, dst_md);
        dnnl::primitive_attr attr;
        attr.set_post_ops(ops);
        auto desc = bias.buffer ? dnnl::matmul::desc(src_md, weights_md, dnnl::memory::desc({1, N}, dt::f32, tag::ab), dst_md)
                                : dnnl::matmul::desc(src_md, weights_md, dst_md);
        return dnnl::matmul::primitive_desc(desc, attr, dnnl_cpu_engine());
    }

    ForM& for_m(int64_t M) {
        auto it = cache.find(M);
        if (it != cache.end()) return it->second;
        // Prompts of many lengths would otherwise keep a JIT-compiled primitive each; oneDNN's
        // own primitive cache still makes re-creating a recent one cheap.
        if (cache.size() >= kMaxCachedM) cache.clear();
        ForM f;
        try {
            auto pd = make_pd(M, packed_md);
            f.primitive = dnnl::matmul(pd);
            f.src = dnnl::memory(pd.src_desc(), dnnl_cpu_engine(), DNNL_MEMORY_NONE);
            f.dst = dnnl::memory(pd.dst_desc(), dnnl_cpu_engine(), DNNL_MEMORY_NONE);
            if (options.residual) f.residual = dnnl::memory(pd.dst_desc(), dnnl_cpu_engine(), DNNL_MEMORY_NONE);
        } catch (const dnnl::error& e) {
            fail("PackedMatmul: oneDNN has no matmul for M=" + std::to_string(M) + " K=" + std::to_string(K) +
                 " N=" + std::to_string(N) + " over the packed layout: " + e.what());
        }
        return cache.emplace(M, std::move(f)).first->second;
    }
};

static int64_t checked_dim(const Tensor& weight, int i) {
    if (weight.dtype != DType::f32 || weight.rank() != 2)
        fail(std::string("PackedMatmul: expected an f32 weight of rank 2, got ") + dtype_name(weight.dtype) + " " +
             shape_to_string(weight.shape));
    return weight.shape[size_t(i)];
}

PackedMatmul::PackedMatmul(const Tensor& weight, MatmulOptions options, Tensor bias)
    : PackedMatmul(checked_dim(weight, options.transposed_b ? 1 : 0), checked_dim(weight, options.transposed_b ? 0 : 1),
                   options, std::move(bias)) {}

PackedMatmul::PackedMatmul(int64_t K, int64_t N, MatmulOptions options, Tensor bias) : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    m.options = options;
    m.K = K;
    m.N = N;
    if (m.K <= 0 || m.N <= 0 || m.K > (int64_t(1) << 31) || m.N > (int64_t(1) << 31))
        fail("PackedMatmul: bad weight dimensions K=" + std::to_string(K) + " N=" + std::to_string(N));
    if (bias.dtype != DType::undefined) {  // a default Tensor means no bias
        if (bias.dtype != DType::f32 || bias.numel() != m.N)
            fail("PackedMatmul: bias must be f32 with " + std::to_string(m.N) + " elements, got " +
                 dtype_name(bias.dtype) + " " + shape_to_string(bias.shape));
        m.bias = std::move(bias);
        m.bias_mem = dnnl::memory({{1, m.N}, dt::f32, tag::ab}, dnnl_cpu_engine(),
                                  const_cast<std::byte*>(m.bias.raw()));  // oneDNN only reads it
    }
    try {
        auto pd = m.make_pd(1, dnnl::memory::desc({m.K, m.N}, dt::f32, tag::any));
        m.packed_md = pd.weights_desc();
    } catch (const dnnl::error& e) {
        fail("PackedMatmul: oneDNN matmul for K=" + std::to_string(m.K) + " N=" + std::to_string(m.N) +
             " could not be created: " + e.what());
    }
    if (m.packed_md.data.format_kind != dnnl_blocked) fail("PackedMatmul: oneDNN chose a non-blocked weight layout");
    const dnnl_memory_desc_t& md = m.packed_md.data;
    const dnnl_blocking_desc_t& b = md.format_desc.blocking;
    bool panels = b.inner_nblks == 2 && b.inner_blks[0] == 16 && b.inner_idxs[0] == 0 && b.inner_blks[1] == kPanelCols &&
                  b.inner_idxs[1] == 1 && b.strides[0] == 16 * kPanelCols && b.strides[1] == md.padded_dims[0] * kPanelCols &&
                  md.offset0 == 0;
    if (panels) m.panel_stride = b.strides[1];
}

PackedMatmul::~PackedMatmul() = default;
PackedMatmul::PackedMatmul(PackedMatmul&&) noexcept = default;
PackedMatmul& PackedMatmul::operator=(PackedMatmul&&) noexcept = default;

void PackedMatmul::pack(Tensor& weight) {
    Impl& m = *impl_;
    if (m.packed) fail("PackedMatmul: pack() called twice");
    Shape expected = m.options.transposed_b ? Shape{m.N, m.K} : Shape{m.K, m.N};
    if (weight.dtype != DType::f32 || weight.shape != expected || !weight.buffer)
        fail("PackedMatmul::pack: expected the f32 " + shape_to_string(expected) + " weight it was built for, got " +
             dtype_name(weight.dtype) + " " + shape_to_string(weight.shape));
    BufferPtr packed = Buffer::allocate(m.packed_md.get_size());
    if (m.panel_stride && m.options.own_packing) {
        // Pages of the original may be dropped while packing only if nothing else reads them: a
        // mapped file's are re-read from the file if needed; owned memory must be ours alone.
        const Buffer& src = *weight.buffer;
        bool drop = src.root()->kind() == Buffer::Kind::mapped || (src.kind() == Buffer::Kind::owned && weight.buffer.use_count() == 1);
        size_t bytes = weight.nbytes();
        // A mapped file is read with pread rather than through its mapping (BufferReader: several
        // times faster on a first pass, and its pages never become ours to drop).
        BufferReader reader(src);
        PackSource source{weight.data<float>(), {}};
        std::string read_error;
        std::mutex read_error_mutex;
        if (reader.from_file()) {
            source.read = [&](size_t offset, size_t length, float* into) {
                try {
                    reader.read(weight.offset + offset, length, reinterpret_cast<std::byte*>(into));
                    return true;
                } catch (const std::exception& e) {  // on an OpenMP thread: handed back, thrown below
                    std::lock_guard<std::mutex> lock(read_error_mutex);
                    if (read_error.empty()) read_error = e.what();
                    return false;
                }
            };
        } else {
            src.prefetch_range(weight.offset, bytes);
        }
        bool packed_all = pack_panels(source, m.K, m.N, m.options.transposed_b, m.panel_stride,
                                      reinterpret_cast<float*>(packed->mutable_data()), [&](size_t consumed) {
                                          if (drop && !reader.from_file()) src.release_range(weight.offset, consumed);
                                      });
        if (!packed_all) fail("packing a " + shape_to_string(weight.shape) + " weight: " + read_error);
    } else {
        dnnl::engine& eng = dnnl_cpu_engine();
        dnnl::memory packed_mem(m.packed_md, eng, packed->mutable_data());
        // B [K, N] over the caller's bytes: row-major, or the transposed view of [N, K].
        dnnl::memory::desc user_md({m.K, m.N}, dt::f32, m.options.transposed_b ? tag::ba : tag::ab);
        dnnl::memory user(user_md, eng, const_cast<std::byte*>(weight.raw()));  // reorder only reads it
        dnnl::stream& s = dnnl_thread_stream();
        dnnl::reorder(user, packed_mem).execute(s, user, packed_mem);
        s.wait();
    }
    // The original goes now, before the caller packs its next weight (memory contract 4).
    weight.buffer->release_pages();
    weight = Tensor{};
    finish(std::move(packed));
}

void PackedMatmul::adopt_packed(std::shared_ptr<const Buffer> bytes) {
    Impl& m = *impl_;
    if (m.packed) fail("PackedMatmul: adopt_packed() on a packed weight");
    if (!bytes || bytes->size() != packed_bytes())
        fail("PackedMatmul::adopt_packed: expected " + std::to_string(packed_bytes()) + " packed bytes, got " +
             std::to_string(bytes ? bytes->size() : 0));
    if (reinterpret_cast<uintptr_t>(bytes->data()) % Buffer::kAlignment != 0)
        fail("PackedMatmul::adopt_packed: the packed bytes are not 64-byte aligned");
    finish(std::move(bytes));
}

void PackedMatmul::finish(std::shared_ptr<const Buffer> packed) {
    Impl& m = *impl_;
    m.packed = std::move(packed);
    // oneDNN only reads the weights; the memory object wants a non-const handle.
    m.weights_mem = dnnl::memory(m.packed_md, dnnl_cpu_engine(), const_cast<std::byte*>(m.packed->data()));
    BlockedIndex ix{m.packed_md.data};
    int along = m.options.transposed_b ? 0 : 1;
    int64_t len = m.options.transposed_b ? m.K : m.N;
    m.along_offsets.resize(size_t(len));
    for (int64_t i = 0; i < len; ++i) m.along_offsets[size_t(i)] = ix.dim_offset(along, i);
}

const std::shared_ptr<const Buffer>& PackedMatmul::packed_buffer() const { return impl_->packed; }

bool PackedMatmul::packed() const { return impl_->packed != nullptr; }
int64_t PackedMatmul::k() const { return impl_->K; }
int64_t PackedMatmul::n() const { return impl_->N; }
int64_t PackedMatmul::rows() const { return impl_->options.transposed_b ? impl_->N : impl_->K; }
const MatmulOptions& PackedMatmul::options() const { return impl_->options; }
size_t PackedMatmul::packed_bytes() const { return impl_->packed_md.get_size(); }

std::string PackedMatmul::layout() const {
    const dnnl_memory_desc_t& md = impl_->packed_md.data;
    const dnnl_blocking_desc_t& b = md.format_desc.blocking;
    // Outer dims by decreasing stride; a dim with inner blocks is written in upper case.
    std::vector<int> order;
    for (int d = 0; d < md.ndims; ++d) order.push_back(d);
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return b.strides[x] > b.strides[y]; });
    std::string s;
    for (int d : order) {
        bool blocked = false;
        for (int j = 0; j < b.inner_nblks; ++j) blocked |= b.inner_idxs[j] == d;
        s += char((blocked ? 'A' : 'a') + d);
    }
    for (int j = 0; j < b.inner_nblks; ++j) s += std::to_string(b.inner_blks[j]) + char('a' + b.inner_idxs[j]);
    return s;
}

std::string PackedMatmul::geometry() const {
    const dnnl_memory_desc_t& md = impl_->packed_md.data;
    const dnnl_blocking_desc_t& b = md.format_desc.blocking;
    std::string s = layout() + " dims";
    for (int d = 0; d < md.ndims; ++d) s += (d ? "x" : " ") + std::to_string(md.dims[d]);
    s += " padded";
    for (int d = 0; d < md.ndims; ++d) s += (d ? "x" : " ") + std::to_string(md.padded_dims[d]);
    s += " strides";
    for (int d = 0; d < md.ndims; ++d) s += (d ? "," : " ") + std::to_string(b.strides[d]);
    s += " offset " + std::to_string(md.offset0) + " bytes " + std::to_string(packed_bytes());
    return s;
}

void PackedMatmul::run(const float* x, int64_t M, float* y, const float* residual) {
    Impl& m = *impl_;
    if (!m.packed) fail("PackedMatmul::run: the weight is not packed yet");
    if (M <= 0) return;
    if (m.options.residual != (residual != nullptr))
        fail(m.options.residual ? "PackedMatmul::run: this matmul adds a residual and none was given"
                                : "PackedMatmul::run: a residual was given to a matmul built without one");
    if (M == 1 && m.panel_stride && m.options.single_row_gemv) {
        gemv_panels(x, reinterpret_cast<const float*>(m.packed->data()), m.K, m.N, m.panel_stride,
                    m.bias.buffer ? m.bias.data<float>() : nullptr, m.options.activation, residual, y);
        return;
    }
    Impl::ForM& f = m.for_m(M);
    f.src.set_data_handle(const_cast<float*>(x));
    f.dst.set_data_handle(y);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, f.src}, {DNNL_ARG_WEIGHTS, m.weights_mem}, {DNNL_ARG_DST, f.dst}};
    if (m.bias.buffer) args.emplace(DNNL_ARG_BIAS, m.bias_mem);
    if (residual) {
        f.residual.set_data_handle(const_cast<float*>(residual));
        int index = m.options.activation != Activation::none ? 1 : 0;
        args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1, f.residual);
    }
    dnnl::stream& s = dnnl_thread_stream();
    f.primitive.execute(s, args);
    s.wait();
}

void PackedMatmul::gather_rows(const int64_t* ids, int64_t count, float* out) const {
    const Impl& m = *impl_;
    if (!m.packed) fail("PackedMatmul::gather_rows: the weight is not packed yet");
    int64_t nrows = rows();
    int64_t len = int64_t(m.along_offsets.size());
    BlockedIndex ix{m.packed_md.data};
    int fixed = m.options.transposed_b ? 1 : 0;
    const float* base = reinterpret_cast<const float*>(m.packed->data()) + m.packed_md.data.offset0;
    const int64_t* along = m.along_offsets.data();
    for (int64_t r = 0; r < count; ++r) {
        int64_t id = ids[r] < 0 ? ids[r] + nrows : ids[r];
        if (id < 0 || id >= nrows)
            fail("PackedMatmul::gather_rows: index " + std::to_string(ids[r]) + " is out of range for " +
                 std::to_string(nrows) + " rows");
        const float* row = base + ix.dim_offset(fixed, id);
        float* o = out + r * len;
        for (int64_t i = 0; i < len; ++i) o[i] = row[along[i]];
    }
}

std::string packing_cpu_signature() {
    const dnnl_version_t* v = dnnl_version();
    std::string s = "onednn " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) + " isa ";
    switch (dnnl_get_effective_cpu_isa()) {
        case dnnl_cpu_isa_sse41: s += "sse41"; break;
        case dnnl_cpu_isa_avx: s += "avx"; break;
        case dnnl_cpu_isa_avx2: s += "avx2"; break;
        case dnnl_cpu_isa_avx2_vnni: s += "avx2_vnni"; break;
        case dnnl_cpu_isa_avx512_core: s += "avx512_core"; break;
        case dnnl_cpu_isa_avx512_core_vnni: s += "avx512_core_vnni"; break;
        case dnnl_cpu_isa_avx512_core_bf16: s += "avx512_core_bf16"; break;
        case dnnl_cpu_isa_avx512_core_amx: s += "avx512_core_amx"; break;
        default: s += "0x" + [] {
            char hex[16];
            std::snprintf(hex, sizeof hex, "%x", unsigned(dnnl_get_effective_cpu_isa()));
            return std::string(hex);
        }();
    }
    // The features this build's own kernels were compiled for (-march); gemv_panels and
    // pack_panels take the AVX-512 path only when built with it.
    s += "; kernels";
#ifdef __AVX512F__
    s += " avx512f";
#endif
#ifdef __AVX512BW__
    s += " avx512bw";
#endif
#ifdef __AVX512VL__
    s += " avx512vl";
#endif
#ifdef __AVX512VNNI__
    s += " avx512vnni";
#endif
#ifdef __AVX512BF16__
    s += " avx512bf16";
#endif
#ifdef __AVX2__
    s += " avx2";
#endif
#ifdef __FMA__
    s += " fma";
#endif
    return s;
}

}  // namespace frugal::kernels
