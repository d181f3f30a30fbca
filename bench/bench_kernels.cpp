// Kernel benchmarks (Google Benchmark). The figure that matters for decoding is the M = 1 matmul as
// a fraction of the machine's read bandwidth: decode streams every weight once per token, so a
// matmul that reads its weight at full bandwidth is as fast as it can be.
//
// Weights rotate through a working set of FRUGAL_BENCH_WORKING_SET_MB (default 1024) so that they
// come from memory, as a model's weights do, and not from this machine's large L3; the "hot"
// variants reuse one weight to show the cache-resident speed. The machine is shared: run with
//   frugal_bench_kernels --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// and quote medians, compared against the read-bandwidth figure of the same run.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "ir/buffer.h"
#include "ir/tensor.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/batched_matmul.h"
#include "kernels/cpu/gelu.h"
#include "kernels/cpu/layer_norm.h"
#include "kernels/cpu/matmul_packed.h"
#include "kernels/cpu/pack_panels.h"
#include "kernels/cpu/softmax.h"
#include "kernels/cpu/threads.h"

using namespace frugal;

namespace {

int64_t working_set_bytes() {
    const char* v = std::getenv("FRUGAL_BENCH_WORKING_SET_MB");
    return (v ? std::atoll(v) : 1024) << 20;
}

void fill_random(float* p, int64_t n, unsigned seed) {
    std::mt19937 g(seed);
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    for (int64_t i = 0; i < n; ++i) p[i] = d(g);
}

Tensor random_tensor(const Shape& s, unsigned seed) {
    Tensor t = Tensor::empty(DType::f32, s);
    fill_random(t.mutable_data<float>(), t.numel(), seed);
    return t;
}

// How many copies of a weight of `bytes` fill the working set; hot runs use one.
int64_t copies_for(int64_t bytes, bool hot) {
    return hot ? 1 : std::max<int64_t>(1, (working_set_bytes() + bytes - 1) / bytes);
}

void set_counters(benchmark::State& state, int64_t M, int64_t K, int64_t N) {
    state.SetBytesProcessed(state.iterations() * K * N * int64_t(sizeof(float)));
    state.counters["GFLOP/s"] =
        benchmark::Counter(double(state.iterations()) * 2.0 * double(M * K * N), benchmark::Counter::kIsRate,
                           benchmark::Counter::kIs1000);
}

// The sum of n floats over the kernel threads, as fast as the memory allows.
double read_sum(const float* p, int64_t n) {
    double total = 0;
#pragma omp parallel reduction(+ : total)
    {
#ifdef __AVX512F__
        __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; i += 64)
            for (int j = 0; j < 4; ++j) acc[j] = _mm512_add_ps(acc[j], _mm512_load_ps(p + i + 16 * j));
        float lanes[16];
        _mm512_storeu_ps(lanes, _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
        for (float v : lanes) total += v;
#else
        float s = 0;
#pragma omp for simd reduction(+ : s) schedule(static)
        for (int64_t i = 0; i < n; ++i) s += p[i];
        total += s;
#endif
    }
    return total;
}

// A page-touched array of `bytes` (a multiple of 256) for read_sum.
BufferPtr read_array(int64_t bytes) {
    BufferPtr buf = Buffer::allocate(size_t(bytes));
    float* p = reinterpret_cast<float*>(buf->mutable_data());
    int64_t n = bytes / int64_t(sizeof(float));
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) p[i] = float(i & 7);
    return buf;
}

// Sums a 1 GiB float array with the kernel threads: the read bandwidth the matmuls are held to.
void BM_ReadBandwidth(benchmark::State& state) {
    const int64_t bytes = int64_t(1) << 30;
    BufferPtr buf = read_array(bytes);
    for (auto _ : state) benchmark::DoNotOptimize(read_sum(reinterpret_cast<const float*>(buf->data()), bytes / 4));
    state.SetBytesProcessed(state.iterations() * bytes);
}

// The first write to FRUGAL_BENCH_TOUCH_MB (default 1024) MiB of fresh memory, allocated as the
// packed weights are (Buffer::allocate: mmap, transparent huge pages) and touched a page at a time
// by the kernel threads: the part of a compile that is the operating system's, not ours. One
// iteration, in its own process: memory freed and taken again at once is still the process's to
// reuse cheaply, where a virtual machine's host may have taken back pages free for a while, and
// handing them out again costs far more than zeroing them (bench/run_peers.sh runs this beside
// each load + compile).
void BM_FirstTouch(benchmark::State& state) {
    const char* v = std::getenv("FRUGAL_BENCH_TOUCH_MB");
    const int64_t bytes = (v ? std::atoll(v) : 1024) << 20, page = 4096;
    for (auto _ : state) {
        auto start = std::chrono::steady_clock::now();
        BufferPtr b = Buffer::allocate(size_t(bytes));
        std::byte* d = b->mutable_data();
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < bytes / page; ++i) d[i * page] = std::byte(1);
        state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    state.SetBytesProcessed(state.iterations() * bytes);
}

// PackedMatmul over rotating weights. Args: M, K, N, hot (1 = one weight), gemv (M = 1 through
// gemv_panels, else oneDNN).
void BM_MatmulPacked(benchmark::State& state) {
    const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
    const bool hot = state.range(3) != 0;
    kernels::MatmulOptions options;
    options.single_row_gemv = state.range(4) != 0;
    std::vector<kernels::PackedMatmul> mms;
    int64_t copies = copies_for(K * N * int64_t(sizeof(float)), hot);
    for (int64_t c = 0; c < copies; ++c) {
        Tensor w = random_tensor({K, N}, unsigned(c));
        mms.emplace_back(w, options);
        mms.back().pack(w);
    }
    std::vector<float> x(size_t(M * K)), y(size_t(M * N));
    fill_random(x.data(), M * K, 99);
    for (auto& mm : mms) mm.run(x.data(), M, y.data());  // create the primitive, warm up
    size_t next = 0;
    for (auto _ : state) {
        mms[next].run(x.data(), M, y.data());
        next = (next + 1) % mms.size();
        benchmark::ClobberMemory();
    }
    set_counters(state, M, K, N);
    state.SetLabel(mms[0].layout() + " x" + std::to_string(copies));
}

// oneDNN matmul over plain row-major [K, N] weights (no packing), the same rotation.
void BM_MatmulPlain(benchmark::State& state) {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
    const bool hot = state.range(3) != 0;
    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream s(eng);
    dnnl::memory::desc src_md({M, K}, dt::f32, tag::ab), w_md({K, N}, dt::f32, tag::ab), dst_md({M, N}, dt::f32, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, w_md, dst_md), eng);
    dnnl::matmul mm(pd);
    int64_t copies = copies_for(K * N * int64_t(sizeof(float)), hot);
    std::vector<Tensor> weights;
    for (int64_t c = 0; c < copies; ++c) weights.push_back(random_tensor({K, N}, unsigned(c)));
    std::vector<float> x(size_t(M * K)), y(size_t(M * N));
    fill_random(x.data(), M * K, 99);
    dnnl::memory src(src_md, eng, x.data()), dst(dst_md, eng, y.data()), w(w_md, eng, DNNL_MEMORY_NONE);
    size_t next = 0;
    for (auto _ : state) {
        w.set_data_handle(weights[next].mutable_raw());
        mm.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, dst}});
        s.wait();
        next = (next + 1) % weights.size();
    }
    set_counters(state, M, K, N);
    state.SetLabel(std::string(pd.impl_info_str()) + " x" + std::to_string(copies));
}

// On a shared machine the load changes between benchmarks, so the fraction of bandwidth is
// measured in pairs: each iteration sweeps the packed weights once (M = 1, every copy) and then
// reads an array of the same size, timing both; the counters are both rates and their ratio.
void BM_PackedVsRead(benchmark::State& state) {
    const int64_t K = state.range(0), N = state.range(1);
    std::vector<kernels::PackedMatmul> mms;
    int64_t copies = copies_for(K * N * int64_t(sizeof(float)), false);
    for (int64_t c = 0; c < copies; ++c) {
        Tensor w = random_tensor({K, N}, unsigned(c));
        mms.emplace_back(w);
        mms.back().pack(w);
    }
    const int64_t bytes = copies * K * N * int64_t(sizeof(float));
    BufferPtr array = read_array(bytes);
    std::vector<float> x(static_cast<size_t>(K)), y(static_cast<size_t>(N));
    fill_random(x.data(), K, 99);
    for (auto& mm : mms) mm.run(x.data(), 1, y.data());
    double matmul_seconds = 0, read_seconds = 0;
    for (auto _ : state) {
        auto t0 = std::chrono::steady_clock::now();
        for (auto& mm : mms) mm.run(x.data(), 1, y.data());
        auto t1 = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(read_sum(reinterpret_cast<const float*>(array->data()), bytes / 4));
        auto t2 = std::chrono::steady_clock::now();
        matmul_seconds += std::chrono::duration<double>(t1 - t0).count();
        read_seconds += std::chrono::duration<double>(t2 - t1).count();
        state.SetIterationTime(std::chrono::duration<double>(t2 - t0).count());
    }
    double swept = double(state.iterations()) * double(bytes);
    state.counters["matmul_GB/s"] = swept / matmul_seconds / 1e9;
    state.counters["read_GB/s"] = swept / read_seconds / 1e9;
    state.counters["fraction"] = read_seconds / matmul_seconds;
    state.SetLabel(mms[0].layout() + " x" + std::to_string(copies));
}

void matmul_args(benchmark::internal::Benchmark* b) {
    const int64_t shapes[][2] = {{1024, 4096}, {4096, 1024}, {768, 2304}};
    for (auto& s : shapes)
        for (int64_t M : {1, 32}) b->Args({M, s[0], s[1], 0, 1});
    for (auto& s : shapes) b->Args({1, s[0], s[1], 1, 1});
    b->ArgNames({"M", "K", "N", "hot", "gemv"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

void plain_args(benchmark::internal::Benchmark* b) {
    const int64_t shapes[][2] = {{1024, 4096}, {4096, 1024}, {768, 2304}};
    for (auto& s : shapes)
        for (int64_t M : {1, 32}) b->Args({M, s[0], s[1], 0});
    for (auto& s : shapes) b->Args({1, s[0], s[1], 1});
    b->ArgNames({"M", "K", "N", "hot"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

// M = 1 through oneDNN's brgemm on the same packed weights, to compare with gemv_panels.
void gemv_off_args(benchmark::internal::Benchmark* b) {
    const int64_t shapes[][2] = {{1024, 4096}, {4096, 1024}, {768, 2304}};
    for (auto& s : shapes) b->Args({1, s[0], s[1], 0, 0});
    b->ArgNames({"M", "K", "N", "hot", "gemv"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

// Attention-sized products: heads, M (queries), N, K, transposed_b. Decode scores are
// [16, 1, 64] x [16, 64, 512]^T; the output of attention [16, 1, 512] x [16, 512, 64].
void attention_args(benchmark::internal::Benchmark* b) {
    b->Args({16, 1, 512, 64, 1})->Args({16, 1, 64, 512, 0})->Args({16, 4, 512, 64, 1})->Args({16, 4, 64, 512, 0});
    b->Args({16, 128, 128, 64, 1})->Args({16, 128, 64, 128, 0});
    b->ArgNames({"B", "M", "N", "K", "tB"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

struct AttentionOperands {
    int64_t B, M, N, K;
    bool transposed;
    std::vector<float> a, b, c;
    explicit AttentionOperands(const benchmark::State& st)
        : B(st.range(0)), M(st.range(1)), N(st.range(2)), K(st.range(3)), transposed(st.range(4) != 0),
          a(size_t(B * M * K)), b(size_t(B * K * N)), c(size_t(B * M * N)) {
        fill_random(a.data(), B * M * K, 1);
        fill_random(b.data(), B * K * N, 2);
    }
};

// kernels::batched_matmul as the runtime calls it (oneDNN with runtime dims, or the tiles).
void BM_BatchedMatmul(benchmark::State& state) {
    AttentionOperands o(state);
    for (auto _ : state) {
        kernels::batched_matmul(o.a.data(), o.b.data(), o.c.data(), o.B, o.M, o.N, o.K, o.transposed);
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(double(state.iterations()) * 2.0 * double(o.B * o.M * o.N * o.K),
                                                   benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

// The built-in AVX-512 tiles alone.
void BM_BatchedMatmulTiles(benchmark::State& state) {
    AttentionOperands o(state);
    kernels::BatchedMatmulArgs p{.batch = o.B, .M = o.M, .N = o.N, .K = o.K, .a = o.a.data(), .lda = o.K,
                                 .stride_a = o.M * o.K, .b = o.b.data(), .ldb = o.transposed ? o.K : o.N,
                                 .stride_b = o.K * o.N, .transposed_b = o.transposed, .c = o.c.data(), .ldc = o.N,
                                 .stride_c = o.M * o.N, .alpha = 1.f};
    for (auto _ : state) {
        kernels::batched_matmul_tiles(p);
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(double(state.iterations()) * 2.0 * double(o.B * o.M * o.N * o.K),
                                                   benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

// oneDNN batched matmul; with create=1 the primitive is made inside the loop with oneDNN's
// primitive cache off, as a decode step whose key count grows by one would have to (a new shape
// each step never hits the cache).
void BM_BatchedMatmulDnnl(benchmark::State& state) {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    AttentionOperands o(state);
    const bool create = state.range(5) != 0;
    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream s(eng);
    dnnl::memory::desc a_md({o.B, o.M, o.K}, dt::f32, tag::abc), c_md({o.B, o.M, o.N}, dt::f32, tag::abc);
    dnnl::memory::desc b_md({o.B, o.K, o.N}, dt::f32, o.transposed ? tag::acb : tag::abc);
    auto make = [&] { return dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), eng)); };
    dnnl::matmul mm = make();
    dnnl::memory a(a_md, eng, o.a.data()), b(b_md, eng, o.b.data()), c(c_md, eng, o.c.data());
    int saved_capacity = dnnl::get_primitive_cache_capacity();
    if (create) dnnl::set_primitive_cache_capacity(0);
    for (auto _ : state) {
        if (create) mm = make();
        mm.execute(s, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
        s.wait();
    }
    dnnl::set_primitive_cache_capacity(saved_capacity);
    state.counters["GFLOP/s"] = benchmark::Counter(double(state.iterations()) * 2.0 * double(o.B * o.M * o.N * o.K),
                                                   benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

void dnnl_attention_args(benchmark::internal::Benchmark* b) {
    b->Args({16, 1, 512, 64, 1, 0})->Args({16, 1, 64, 512, 0, 0})->Args({16, 4, 512, 64, 1, 0})->Args({16, 4, 64, 512, 0, 0});
    b->Args({16, 128, 128, 64, 1, 0})->Args({16, 128, 64, 128, 0, 0});
    b->ArgNames({"B", "M", "N", "K", "tB", "create"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

void BM_LayerNorm(benchmark::State& state) {
    const int64_t rows = state.range(0), n = state.range(1);
    std::vector<float> x(size_t(rows * n)), y(x.size()), g(size_t(n), 1.f), b(size_t(n), 0.f);
    fill_random(x.data(), rows * n, 3);
    for (auto _ : state) {
        kernels::layer_norm(x.data(), g.data(), b.data(), y.data(), rows, n, 1e-5f);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * rows * n * 8);
}

void BM_Softmax(benchmark::State& state) {
    const int64_t rows = state.range(0), n = state.range(1);
    std::vector<float> x(size_t(rows * n)), y(x.size());
    fill_random(x.data(), rows * n, 4);
    kernels::SoftmaxOptions o{.scale = 0.125f, .causal = true, .past = 0, .block_rows = n};
    for (auto _ : state) {
        kernels::softmax(x.data(), y.data(), rows, n, o);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * rows * n);
}

void BM_Gelu(benchmark::State& state) {
    const int64_t n = state.range(0);
    const auto form = state.range(1) ? kernels::GeluForm::erf : kernels::GeluForm::tanh;
    std::vector<float> x(static_cast<size_t>(n)), y(x.size());
    fill_random(x.data(), n, 5);
    for (auto _ : state) {
        kernels::gelu(x.data(), y.data(), n, form);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * n);
}

// Attention of one sequence: heads, Sq, Sk, D = Dv = 64, causal, fused. K and V sit in a cache
// [heads, 1024, 64] of which Sk rows are filled (the layout a KV-cache state has). fused = 0 runs
// what the Session ran before FusedAttention: scores by batched_matmul, softmax with the causal
// mask, P V by batched_matmul (K and V in place through their strides).
void BM_Attention(benchmark::State& state) {
    const int64_t H = state.range(0), Sq = state.range(1), Sk = state.range(2), D = 64, capacity = 1024;
    const bool causal = state.range(3) != 0, fused = state.range(4) != 0;
    std::vector<float> q(size_t(H * Sq * D)), k(size_t(H * capacity * D)), v(k.size()), out(q.size()), scores(size_t(H * Sq * Sk));
    fill_random(q.data(), int64_t(q.size()), 6);
    fill_random(k.data(), int64_t(k.size()), 7);
    fill_random(v.data(), int64_t(v.size()), 8);
    kernels::AttentionArgs a{.B = 1, .H = H, .Sq = Sq, .Sk = Sk, .D = D, .Dv = D};
    a.q = q.data();
    a.q_stride = {H * Sq * D, Sq * D, D, 1};
    a.k = k.data();
    a.k_stride = {H * capacity * D, capacity * D, D, 1};
    a.v = v.data();
    a.v_stride = a.k_stride;
    a.out = out.data();
    a.out_stride = a.q_stride;
    a.scale = 0.125f;
    a.causal = causal;
    a.past = Sk - Sq;
    for (auto _ : state) {
        if (fused) {
            kernels::attention(a);
        } else {
            kernels::batched_matmul({.batch = H, .M = Sq, .N = Sk, .K = D, .a = q.data(), .lda = D, .stride_a = Sq * D, .b = k.data(),
                                     .ldb = D, .stride_b = capacity * D, .transposed_b = true, .c = scores.data(), .ldc = Sk,
                                     .stride_c = Sq * Sk, .alpha = 1.f});
            kernels::softmax(scores.data(), scores.data(), H * Sq, Sk,
                             {.scale = 0.125f, .causal = causal, .past = Sk - Sq, .block_rows = Sq});
            kernels::batched_matmul({.batch = H, .M = Sq, .N = D, .K = Sk, .a = scores.data(), .lda = Sk, .stride_a = Sq * Sk,
                                     .b = v.data(), .ldb = D, .stride_b = capacity * D, .transposed_b = false, .c = out.data(),
                                     .ldc = D, .stride_c = Sq * D, .alpha = 1.f});
        }
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(double(state.iterations()) * 4.0 * double(H * Sq * Sk * D) / (causal && Sq > 1 ? 2 : 1),
                                                   benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

// Decode (one query) at 128, 512 and 1024 keys and causal prefill at 32, 128 and 512, with GPT-2
// base's 12 heads and medium's 16; fused and unfused.
void attention_bench_args(benchmark::internal::Benchmark* b) {
    for (int64_t fused : {1, 0})
        for (int64_t H : {12, 16}) {
            for (int64_t sk : {128, 512, 1024}) b->Args({H, 1, sk, 1, fused});
            for (int64_t s : {32, 128, 512}) b->Args({H, s, s, 1, fused});
        }
    b->ArgNames({"H", "Sq", "Sk", "causal", "fused"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

// pack_panels alone, into a destination already faulted in: the packing loop's own speed, in
// source bytes per second. Args: K, N, transposed (the [N, K] tied embedding), threads.
void BM_PackPanels(benchmark::State& state) {
    const int64_t K = state.range(0), N = state.range(1);
    const bool transposed = state.range(2) != 0;
    kernels::set_num_threads(int(state.range(3)));
    std::vector<float> src(size_t(K * N));
    fill_random(src.data(), K * N, 6);
    const int64_t stride = (K + 15) / 16 * 16 * 64, panels = (N + 63) / 64;
    std::vector<float> dst(size_t(stride * panels));
    for (auto _ : state) {
        kernels::pack_panels(src.data(), K, N, transposed, stride, dst.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * K * N * int64_t(sizeof(float)));
}

// A whole PackedMatmul::pack of a fresh weight (allocation and first-touch page faults of the
// packed copy included), with our own packing (own = 1) or oneDNN's reorder (own = 0).
// Args: K, N, transposed, own, threads.
void BM_PackWeight(benchmark::State& state) {
    const int64_t K = state.range(0), N = state.range(1);
    kernels::MatmulOptions o;
    o.transposed_b = state.range(2) != 0;
    o.own_packing = state.range(3) != 0;
    kernels::set_num_threads(int(state.range(4)));
    Tensor original = Tensor::empty(DType::f32, o.transposed_b ? Shape{N, K} : Shape{K, N});
    fill_random(original.mutable_data<float>(), K * N, 7);
    for (auto _ : state) {
        Tensor w = original.clone();
        auto start = std::chrono::steady_clock::now();
        kernels::PackedMatmul mm(w, o);
        mm.pack(w);
        state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    state.SetBytesProcessed(state.iterations() * K * N * int64_t(sizeof(float)));
}

}  // namespace

BENCHMARK(BM_ReadBandwidth)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FirstTouch)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PackedVsRead)->Args({1024, 4096})->Args({4096, 1024})->Args({768, 2304})->ArgNames({"K", "N"})->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MatmulPacked)->Apply(matmul_args)->Apply(gemv_off_args);
BENCHMARK(BM_MatmulPlain)->Apply(plain_args);
BENCHMARK(BM_BatchedMatmul)->Apply(attention_args);
BENCHMARK(BM_BatchedMatmulTiles)->Apply(attention_args);
BENCHMARK(BM_BatchedMatmulDnnl)->Apply(dnnl_attention_args)->Args({16, 1, 512, 64, 1, 1});
BENCHMARK(BM_PackPanels)->Args({1024, 4096, 0, 1})->Args({1024, 4096, 0, 2})->Args({4096, 1024, 0, 2})->Args({1024, 50257, 1, 1})
    ->Args({1024, 50257, 1, 2})->ArgNames({"K", "N", "tB", "threads"})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PackWeight)->Args({1024, 4096, 0, 1, 2})->Args({1024, 4096, 0, 0, 2})->Args({1024, 50257, 1, 1, 2})->Args({1024, 50257, 1, 0, 2})
    ->ArgNames({"K", "N", "tB", "own", "threads"})->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LayerNorm)->Args({1, 1024})->Args({32, 1024})->UseRealTime();
BENCHMARK(BM_Softmax)->Args({16 * 128, 128})->UseRealTime();
BENCHMARK(BM_Attention)->Apply(attention_bench_args);
BENCHMARK(BM_Gelu)->Args({32 * 4096, 0})->Args({32 * 4096, 1})->UseRealTime();

// Threads: FRUGAL_THREADS, else 2 (this machine's cores).
int main(int argc, char** argv) {
    const char* t = std::getenv("FRUGAL_THREADS");
    kernels::set_num_threads(t ? std::atoi(t) : 2);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
