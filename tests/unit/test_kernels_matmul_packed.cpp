// PackedMatmul against the reference MatMul (+ Add bias, Gelu, Add residual), over random shapes
// and every option; gather_rows against the reference Gather; pack() releasing the original.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "ir/error.h"
#include "error_of.h"
#include "kernel_test_util.h"
#include "kernels/cpu/matmul_packed.h"
#include "mapping_rss.h"
#include "profile/memory.h"
#include "sanitized.h"

using namespace frugal;
using namespace frugal::kernel_test;
using frugal::kernels::Activation;
using frugal::test::error_of;
using frugal::kernels::MatmulOptions;
using frugal::kernels::PackedMatmul;

namespace {

// act(x @ B + bias) + residual by reference ops; B is weight, or weight^T with transposed_b.
Tensor reference_matmul(const Tensor& x, const Tensor& weight, const MatmulOptions& o, const Tensor* bias,
                        const Tensor* residual) {
    Tensor b = weight;
    if (o.transposed_b) b = reference(OpKind::Transpose, {&weight});
    Tensor y = reference(OpKind::MatMul, {&x, &b});
    if (bias) y = reference(OpKind::Add, {&y, bias});
    if (o.activation != Activation::none) {
        Attributes a;
        a.set("approximate", std::string(o.activation == Activation::gelu_tanh ? "tanh" : "none"));
        y = reference(make_node(OpKind::Gelu, 20, a), {&y});
    }
    if (residual) y = reference(OpKind::Add, {&y, residual});
    return y;
}

void check_matmul(int64_t M, int64_t K, int64_t N, MatmulOptions o, bool with_bias) {
    std::string what = "M=" + std::to_string(M) + " K=" + std::to_string(K) + " N=" + std::to_string(N) +
                       " transposed=" + std::to_string(o.transposed_b) + " act=" + std::to_string(int(o.activation)) +
                       " residual=" + std::to_string(o.residual) + " bias=" + std::to_string(with_bias) +
                       " gemv=" + std::to_string(o.single_row_gemv);
    Tensor weight = random_tensor(o.transposed_b ? Shape{N, K} : Shape{K, N});
    Tensor original = weight.clone();  // the test's own copy; pack() takes `weight`
    Tensor bias = with_bias ? random_tensor({N}) : Tensor{};
    Tensor x = random_tensor({M, K});
    Tensor residual = random_tensor({M, N});
    PackedMatmul mm(weight, o, bias);
    mm.pack(weight);
    EXPECT_FALSE(weight.buffer) << what;
    EXPECT_GE(mm.packed_bytes(), size_t(K * N) * sizeof(float)) << what;
    std::vector<float> y(size_t(M * N), NAN);
    mm.run(x.data<float>(), M, y.data(), o.residual ? residual.data<float>() : nullptr);
    Tensor want = reference_matmul(x, original, o, with_bias ? &bias : nullptr, o.residual ? &residual : nullptr);
    expect_close(y.data(), want, 1e-5, 1e-5 * std::sqrt(double(K)), what);
}

}  // namespace

TEST(KernelsMatmulPacked, RandomShapesAndOptions) {
    const int64_t shapes[][3] = {{1, 1, 1},   {1, 37, 53},   {3, 64, 130}, {7, 129, 65},
                                 {32, 200, 300}, {5, 16, 64}, {2, 300, 17}, {1, 768, 97}, {1, 600, 500}};
    for (auto& s : shapes) {
        for (int variant = 0; variant < 4; ++variant) {
            MatmulOptions o;
            o.transposed_b = variant & 1;
            o.activation = Activation(random_int(0, 2));
            o.residual = variant & 2;
            check_matmul(s[0], s[1], s[2], o, random_int(0, 1) == 1);
            if (s[0] == 1) {  // one row: our gemv_panels by default, and oneDNN's brgemm
                o.single_row_gemv = false;
                check_matmul(s[0], s[1], s[2], o, random_int(0, 1) == 1);
            }
        }
    }
    for (int i = 0; i < 6; ++i) {
        MatmulOptions o;
        o.transposed_b = random_int(0, 1);
        o.activation = Activation(random_int(0, 2));
        o.residual = random_int(0, 1);
        check_matmul(random_int(1, 40), random_int(1, 260), random_int(1, 260), o, random_int(0, 1) == 1);
    }
}

// One object serves every M: a primitive per M over the same packed bytes.
TEST(KernelsMatmulPacked, VaryingMReusesThePackedWeight) {
    const int64_t K = 96, N = 80;
    Tensor weight = random_tensor({K, N});
    Tensor original = weight.clone();
    Tensor bias = random_tensor({N});
    MatmulOptions o;
    o.activation = Activation::gelu_tanh;
    PackedMatmul mm(weight, o, bias);
    mm.pack(weight);
    for (int64_t M : {1, 9, 1, 33, 9, 128}) {
        Tensor x = random_tensor({M, K});
        std::vector<float> y(size_t(M * N));
        mm.run(x.data<float>(), M, y.data());
        expect_close(y.data(), reference_matmul(x, original, o, &bias, nullptr), 1e-5, 1e-4, "M=" + std::to_string(M));
    }
}

TEST(KernelsMatmulPacked, GatherRowsReadsThePackedLayout) {
    for (bool transposed : {true, false}) {
        // Sizes off the 16 x 64 blocks so that padding and partial blocks are crossed.
        const int64_t rows = 203, cols = 77;
        Tensor weight = random_tensor({rows, cols});
        Tensor original = weight.clone();
        MatmulOptions o;
        o.transposed_b = transposed;
        PackedMatmul mm(weight, o);
        mm.pack(weight);
        ASSERT_EQ(mm.rows(), rows);
        // On AVX-512 oneDNN picks a blocked layout (BA16a64b), which is what this test is about.
        std::printf("gather_rows over packed layout %s\n", mm.layout().c_str());
        std::vector<int64_t> ids = {0, 1, 202, -1, 64, 17, 130, -203, 15, 16, 63};
        Tensor idx = Tensor::from_vector<int64_t>({int64_t(ids.size())}, ids);
        std::vector<float> out(ids.size() * size_t(cols), NAN);
        mm.gather_rows(ids.data(), int64_t(ids.size()), out.data());
        Tensor want = reference(OpKind::Gather, {&original, &idx});
        expect_close(out.data(), want, 0, 0, transposed ? "transposed" : "plain");
        int64_t bad = rows;
        EXPECT_THROW(mm.gather_rows(&bad, 1, out.data()), Error);
    }
}

// The tied embedding: one packed [vocab, hidden] weight serves both the token lookup and the
// logits, and the original is gone after packing.
TEST(KernelsMatmulPacked, TiedEmbeddingIsHeldOnce) {
    const int64_t vocab = 1000, hidden = 48;
    Tensor embedding = random_tensor({vocab, hidden});
    Tensor original = embedding.clone();
    size_t before = Buffer::live_owned_bytes();
    MatmulOptions o;
    o.transposed_b = true;
    PackedMatmul mm(embedding, o);
    mm.pack(embedding);
    size_t after = Buffer::live_owned_bytes();
    // The original [vocab, hidden] bytes were freed and the packed ones allocated.
    EXPECT_EQ(after + size_t(vocab * hidden) * sizeof(float), before + mm.packed_bytes());

    std::vector<int64_t> ids = {5, 999, 0, 500};
    std::vector<float> h(ids.size() * size_t(hidden));
    mm.gather_rows(ids.data(), int64_t(ids.size()), h.data());
    std::vector<float> logits(ids.size() * size_t(vocab));
    mm.run(h.data(), int64_t(ids.size()), logits.data());
    Tensor idx = Tensor::from_vector<int64_t>({int64_t(ids.size())}, ids);
    Tensor x = reference(OpKind::Gather, {&original, &idx});
    expect_close(logits.data(), reference_matmul(x, original, o, nullptr, nullptr), 1e-5, 1e-4, "logits");
}

TEST(KernelsMatmulPacked, BadInputsThrow) {
    Tensor w = random_tensor({8, 4});
    EXPECT_THROW(PackedMatmul(Tensor::empty(DType::f64, {8, 4})), Error);
    EXPECT_THROW(PackedMatmul(random_tensor({8})), Error);
    EXPECT_THROW(PackedMatmul(w, {}, random_tensor({5})), Error);
    PackedMatmul mm(w);
    std::vector<float> x(8), y(4);
    EXPECT_THROW(mm.run(x.data(), 1, y.data()), Error);  // not packed yet
    Tensor other = random_tensor({4, 8});
    EXPECT_THROW(mm.pack(other), Error);
    mm.pack(w);
    EXPECT_THROW(mm.run(x.data(), 1, y.data(), y.data()), Error);  // no residual was asked for
}

// A weight mapped from a file: pack() drops the mapping's pages and the caller's reference.
TEST(KernelsMatmulPacked, PacksAMappedWeight) {
    const int64_t K = 40, N = 70;
    Tensor original = random_tensor({K, N});
    std::string path = "/tmp/frugal_kernels_mapped_" + std::to_string(getpid()) + ".bin";
    {
        std::ofstream f(path, std::ios::binary);
        f.write(reinterpret_cast<const char*>(original.raw()), std::streamsize(original.nbytes()));
    }
    Tensor weight = Tensor::over(DType::f32, {K, N}, Buffer::map_file(path));
    std::remove(path.c_str());
    PackedMatmul mm(weight);
    mm.pack(weight);
    EXPECT_FALSE(weight.buffer);
    Tensor x = random_tensor({3, K});
    std::vector<float> y(size_t(3 * N));
    mm.run(x.data<float>(), 3, y.data());
    expect_close(y.data(), reference_matmul(x, original, {}, nullptr, nullptr), 1e-5, 1e-4, "mapped");
}

namespace {

// The packed bytes of `weight` by our own packing and by oneDNN's reorder.
std::pair<std::vector<std::byte>, std::vector<std::byte>> pack_both_ways(const Tensor& weight, bool transposed, std::string* layout) {
    std::vector<std::byte> bytes[2];
    for (int own = 0; own < 2; ++own) {
        MatmulOptions o;
        o.transposed_b = transposed;
        o.own_packing = own == 1;
        Tensor w = weight.clone();
        PackedMatmul mm(w, o);
        mm.pack(w);
        *layout = mm.layout();
        const Buffer& b = *mm.packed_buffer();
        bytes[own].assign(b.data(), b.data() + b.size());
    }
    return {std::move(bytes[1]), std::move(bytes[0])};
}

}  // namespace

// Our BA16a64b packing (pack_panels) writes exactly the bytes oneDNN's reorder writes, padding
// included, on shapes off the 16 x 64 blocks, transposed and not, one thread and several.
TEST(KernelsMatmulPacked, OwnPackingEqualsOneDnnReorder) {
    const int64_t shapes[][2] = {{1, 1},   {15, 63},  {16, 64},  {17, 65},   {33, 1},     {1, 130},
                                 {100, 200}, {257, 129}, {64, 513}, {1024, 96}, {300, 1000}, {2050, 70}};
    for (auto& s : shapes) {
        for (bool transposed : {false, true}) {
            int64_t K = s[0], N = s[1];
            Tensor weight = random_tensor(transposed ? Shape{N, K} : Shape{K, N});
            std::string layout;
            auto [own, onednn] = pack_both_ways(weight, transposed, &layout);
            std::string what = "K=" + std::to_string(K) + " N=" + std::to_string(N) + " transposed=" +
                               std::to_string(transposed) + " layout " + layout;
            ASSERT_EQ(own.size(), onednn.size()) << what;
            EXPECT_TRUE(own == onednn) << what;
        }
    }
}

// A mapped weight of several packing blocks, at an offset of its file that is not a page's,
// packs to oneDNN's bytes: read from the file itself, without mapping its pages (BufferReader),
// or, once the file is gone, through the mapping, whose pages pack() drops block by block.
TEST(KernelsMatmulPacked, OwnPackingOfAMappedWeightMatchesOneDnn) {
    for (bool file_kept : {true, false}) {
        for (bool transposed : {false, true}) {
            const int64_t K = 1100, N = 1300;  // 5.7 MB: two blocks of the packing loop
            const size_t offset = 4 * 1001;
            Tensor original = random_tensor(transposed ? Shape{N, K} : Shape{K, N});
            std::string path = "/tmp/frugal_kernels_packmap_" + std::to_string(getpid()) + ".bin";
            {
                std::ofstream f(path, std::ios::binary);
                f << std::string(offset, '\x7f');
                f.write(reinterpret_cast<const char*>(original.raw()), std::streamsize(original.nbytes()));
            }
            BufferPtr file = Buffer::map_file(path);
            if (!file_kept) std::remove(path.c_str());
            Tensor weight = Tensor::over(DType::f32, original.shape, Buffer::view(file, offset, original.nbytes()));
            MatmulOptions o;
            o.transposed_b = transposed;
            PackedMatmul mm(weight, o);
            mm.pack(weight);
            EXPECT_FALSE(weight.buffer);
            if (file_kept) {
                EXPECT_EQ(mapping_rss_kb(file->data()), 0) << "the weight was read through its mapping";
            }
            std::remove(path.c_str());
            std::string layout;
            auto [own, onednn] = pack_both_ways(original, transposed, &layout);
            const Buffer& b = *mm.packed_buffer();
            ASSERT_EQ(b.size(), onednn.size());
            EXPECT_TRUE(std::equal(b.data(), b.data() + b.size(), onednn.begin()))
                << "transposed=" << transposed << " file_kept=" << file_kept;
        }
    }
}

// A weights file cut short after it was mapped (another process rewrote it) is an error that
// names the file, not a SIGBUS from reading the mapping past the file's new end.
TEST(KernelsMatmulPacked, PackingAWeightWhoseFileShrankIsAnError) {
    for (bool transposed : {false, true}) {
        const int64_t K = 512, N = 1024;
        Tensor original = random_tensor(transposed ? Shape{N, K} : Shape{K, N});
        std::string path = "/tmp/frugal_kernels_shrank_" + std::to_string(getpid()) + ".bin";
        {
            std::ofstream f(path, std::ios::binary);
            f.write(reinterpret_cast<const char*>(original.raw()), std::streamsize(original.nbytes()));
        }
        Tensor weight = Tensor::over(DType::f32, original.shape, Buffer::map_file(path));
        std::filesystem::resize_file(path, original.nbytes() / 2);
        MatmulOptions o;
        o.transposed_b = transposed;
        PackedMatmul mm(weight, o);
        std::string e = error_of([&] { mm.pack(weight); });
        EXPECT_NE(e.find(path), std::string::npos) << e;
        EXPECT_NE(e.find("shorter than when it was mapped"), std::string::npos) << e;
        std::remove(path.c_str());
    }
}

// Memory contract 4, block by block: the original's pages leave as each block is packed. For the
// transposed weight (the tied embedding, the largest) the packed copy is written panel after panel
// in source order, so the peak is about one weight plus a block, where packing then releasing
// would peak at two. A row-major [K, N] weight writes a slice of every panel per block, and the
// packed copy's transparent huge pages (2 MiB, kept because 4 KiB faults cost a third of compile
// time) are all touched by the first block: its peak is two of it, which for GPT-2 medium is at
// most 2 x 16 MiB. The file is removed once mapped, so pack() reads through the mapping (with the
// file there it reads the file and maps nothing: OwnPackingOfAMappedWeightMatchesOneDnn).
TEST(KernelsMatmulPacked, PackingAMappedWeightReleasesItAsItGoes) {
    for (bool transposed : {true, false}) {
        const int64_t K = 1024, N = 16384;  // 64 MiB
        std::string path = "/tmp/frugal_kernels_peak_" + std::to_string(getpid()) + ".bin";
        {
            Tensor original = random_tensor(transposed ? Shape{N, K} : Shape{K, N});
            std::ofstream f(path, std::ios::binary);
            f.write(reinterpret_cast<const char*>(original.raw()), std::streamsize(original.nbytes()));
        }
        Tensor weight = Tensor::over(DType::f32, transposed ? Shape{N, K} : Shape{K, N}, Buffer::map_file(path));
        std::remove(path.c_str());
        MatmulOptions o;
        o.transposed_b = transposed;
        PackedMatmul mm(weight, o);
        if (!profile::reset_peak()) GTEST_SKIP() << "cannot reset VmHWM here";
        long before = long(profile::sample_memory().rss_kb);
        mm.pack(weight);
        profile::MemorySample s = profile::sample_memory();
        long weight_kb = K * N * 4 / 1024;
        long grew = long(s.peak_kb) - before;
        std::printf("transposed=%d: peak %+ld kB over a %ld kB weight, %+ld kB after\n", transposed, grew, weight_kb,
                    long(s.rss_kb) - before);
        // The packed copy stays (one weight); the original's pages went while it was being made.
        if (kSanitized) continue;  // resident figures include the sanitizer's own memory
        if (transposed) EXPECT_LT(grew, weight_kb + weight_kb / 4);
        else EXPECT_LT(grew, 2 * weight_kb + 4096);
        EXPECT_LT(long(s.rss_kb) - before, weight_kb + 8 * 1024);
    }
}
