// kernels::attention (AVX-512 and plain) against the reference FusedAttention on random shapes:
// K and V read in place from a cache with more rows than are filled, permuted layouts of every
// operand, bool and additive masks broadcast from smaller shapes, and the causal flag (the
// reference gets the same mask as a bool tensor).
#include <algorithm>
#include <array>

#include "kernel_test_util.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/threads.h"

using namespace frugal;
using namespace frugal::kernel_test;
using Perm = std::array<int64_t, 4>;

namespace {

struct Case {
    int64_t B = 1, H = 2, Sq = 3, Sk = 5, D = 8, Dv = 8;
    int64_t capacity = 0;  // rows of K and V in memory (>= Sk); 0: Sk
    Perm q_perm{0, 1, 2, 3}, k_perm{0, 1, 2, 3}, v_perm{0, 1, 2, 3}, out_perm{0, 1, 2, 3};
    std::string mask_kind = "none";
    Shape mask_shape{};    // for bool and additive masks
    Shape add_mask_shape{};  // input 4, when not empty
    bool causal = false;   // given to the kernel as the flag, to the reference as a bool mask
    float scale = 0.3f;
};

std::string describe(const Case& c) {
    auto p = [](const Perm& x) { return std::to_string(x[0]) + std::to_string(x[1]) + std::to_string(x[2]) + std::to_string(x[3]); };
    return "B=" + std::to_string(c.B) + " H=" + std::to_string(c.H) + " Sq=" + std::to_string(c.Sq) + " Sk=" + std::to_string(c.Sk) +
           " D=" + std::to_string(c.D) + " Dv=" + std::to_string(c.Dv) + " cap=" + std::to_string(c.capacity) + " perms q" + p(c.q_perm) +
           " k" + p(c.k_perm) + " v" + p(c.v_perm) + " out" + p(c.out_perm) + " mask " + c.mask_kind + shape_to_string(c.mask_shape) +
           " add" + shape_to_string(c.add_mask_shape) + (c.causal ? " causal" : "");
}

// The physical shape of an operand whose canonical dims are `canon`: physical[perm[i]] = canon[i].
Shape physical(const Perm& perm, const Perm& canon) {
    Shape s(4);
    for (size_t i = 0; i < 4; ++i) s[size_t(perm[i])] = canon[i];
    return s;
}

// Transpose's perm turned around: canonical axis i of the output is its physical axis inverse[i].
Perm inverse(const Perm& p) {
    Perm r{};
    for (size_t j = 0; j < 4; ++j) r[size_t(p[j])] = int64_t(j);
    return r;
}

Shape physical_out(const Case& c) {
    const Perm canon{c.B, c.H, c.Sq, c.Dv};
    Shape s(4);
    for (size_t j = 0; j < 4; ++j) s[j] = canon[size_t(c.out_perm[j])];
    return s;
}

kernels::Strides4 canonical_strides(const Shape& phys, const Perm& perm) {
    std::vector<int64_t> st = shape_strides(phys);
    return {st[size_t(perm[0])], st[size_t(perm[1])], st[size_t(perm[2])], st[size_t(perm[3])]};
}

// The first n rows of the canonical sequence axis of t, densely.
Tensor first_rows(const Tensor& t, const Perm& perm, int64_t n) {
    Shape s = t.shape;
    size_t axis = size_t(perm[2]);
    s[axis] = n;
    Tensor r = Tensor::empty(DType::f32, s);
    std::vector<int64_t> st = shape_strides(t.shape);
    float* out = r.mutable_data<float>();
    int64_t o = 0;
    for (int64_t a = 0; a < s[0]; ++a)
        for (int64_t b = 0; b < s[1]; ++b)
            for (int64_t c = 0; c < s[2]; ++c)
                for (int64_t d = 0; d < s[3]; ++d) out[o++] = t.data<float>()[a * st[0] + b * st[1] + c * st[2] + d * st[3]];
    return r;
}

kernels::Strides4 mask_strides(const Shape& m, const Perm& scores) {
    kernels::Strides4 st{};
    std::vector<int64_t> dense = shape_strides(m);
    size_t off = 4 - m.size();
    for (size_t i = 0; i < m.size(); ++i) st[off + i] = m[i] == 1 && scores[off + i] != 1 ? 0 : dense[i];
    return st;
}

Tensor random_bool(const Shape& s) {
    Tensor t = Tensor::empty(DType::boolean, s);
    bool* p = t.mutable_data<bool>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = random_int(0, 3) != 0;
    return t;
}

void check(const Case& c, bool use_scalar) {
    const std::string what = describe(c) + (use_scalar ? " (plain)" : "");
    const int64_t cap = c.capacity > 0 ? c.capacity : c.Sk;
    Tensor q = random_tensor(physical(c.q_perm, {c.B, c.H, c.Sq, c.D}), -2.f, 2.f);
    Tensor k = random_tensor(physical(c.k_perm, {c.B, c.H, cap, c.D}), -2.f, 2.f);
    Tensor v = random_tensor(physical(c.v_perm, {c.B, c.H, cap, c.Dv}));
    Tensor k_ref = first_rows(k, c.k_perm, c.Sk), v_ref = first_rows(v, c.v_perm, c.Sk);

    Attributes attrs;
    auto ints = [](const Perm& p) { return std::vector<int64_t>(p.begin(), p.end()); };
    attrs.set("q_perm", ints(c.q_perm));
    attrs.set("k_perm", ints(c.k_perm));
    attrs.set("v_perm", ints(c.v_perm));
    attrs.set("out_perm", ints(c.out_perm));
    attrs.set("scale", c.scale);
    const Perm scores{c.B, c.H, c.Sq, c.Sk};
    kernels::AttentionArgs args{.B = c.B, .H = c.H, .Sq = c.Sq, .Sk = c.Sk, .D = c.D, .Dv = c.Dv};
    args.q = q.data<float>();
    args.q_stride = canonical_strides(q.shape, c.q_perm);
    args.k = k.data<float>();
    args.k_stride = canonical_strides(k.shape, c.k_perm);
    args.v = v.data<float>();
    args.v_stride = canonical_strides(v.shape, c.v_perm);
    args.scale = c.scale;

    Tensor mask, add_mask;
    std::vector<const Tensor*> inputs = {&q, &k_ref, &v_ref};
    std::string kind = c.mask_kind;
    if (c.causal) {
        // The reference sees the causal mask as a bool [Sq, Sk]; the kernel only the flag.
        mask = Tensor::empty(DType::boolean, {c.Sq, c.Sk});
        for (int64_t i = 0; i < c.Sq; ++i)
            for (int64_t j = 0; j < c.Sk; ++j) mask.mutable_data<bool>()[i * c.Sk + j] = j <= c.Sk - c.Sq + i;
        kind = "bool";
        attrs.set("mask_fill", -1e9f);
        args.causal = true;
        args.past = c.Sk - c.Sq;
    } else if (c.mask_kind == "bool") {
        mask = random_bool(c.mask_shape);
        attrs.set("mask_fill", -1e9f);
        args.bool_mask = mask.data<bool>();
        args.bool_mask_stride = mask_strides(mask.shape, scores);
        args.mask_fill = -1e9f;
    } else if (c.mask_kind == "additive") {
        mask = random_tensor(c.mask_shape, -3.f, 3.f);
        args.add_mask = mask.data<float>();
        args.add_mask_stride = mask_strides(mask.shape, scores);
    }
    attrs.set("mask_kind", kind);
    if (kind != "none") inputs.push_back(&mask);
    if (!c.add_mask_shape.empty()) {
        ASSERT_NE(c.mask_kind, "additive") << "one additive mask per case";
        add_mask = random_tensor(c.add_mask_shape, -3.f, 3.f);
        if (kind == "none") inputs.push_back(nullptr);
        inputs.push_back(&add_mask);
        args.add_mask = add_mask.data<float>();
        args.add_mask_stride = mask_strides(add_mask.shape, scores);
    }
    Tensor want = reference(OpKind::FusedAttention, inputs, attrs);
    ASSERT_EQ(want.shape, physical_out(c));

    std::vector<float> got(size_t(want.numel()), NAN);
    args.out = got.data();
    args.out_stride = canonical_strides(want.shape, inverse(c.out_perm));
    if (use_scalar) kernels::scalar::attention(args);
    else kernels::attention(args);
    expect_close(got.data(), want, 1e-4, 2e-6, what);
}

}  // namespace

TEST(KernelsAttention, DenseShapes) {
    for (bool plain : {false, true}) {
        check({.B = 1, .H = 1, .Sq = 1, .Sk = 1, .D = 1, .Dv = 1}, plain);
        check({.B = 1, .H = 12, .Sq = 1, .Sk = 37, .D = 64, .Dv = 64}, plain);
        check({.B = 2, .H = 3, .Sq = 7, .Sk = 7, .D = 16, .Dv = 16}, plain);
        check({.B = 1, .H = 2, .Sq = 33, .Sk = 70, .D = 24, .Dv = 80}, plain);
        check({.B = 2, .H = 1, .Sq = 5, .Sk = 3, .D = 65, .Dv = 3}, plain);
    }
    for (int i = 0; i < 10; ++i) {
        Case c{.B = random_int(1, 2), .H = random_int(1, 4), .Sq = random_int(1, 40), .Sk = random_int(1, 90), .D = random_int(1, 70),
               .Dv = random_int(1, 130)};
        check(c, false);
        check(c, true);
    }
}

TEST(KernelsAttention, CacheWithRoomAndPermutedLayouts) {
    // K and V read in place from [B, H, capacity, D] with capacity > Sk: decode and prefill.
    check({.B = 1, .H = 12, .Sq = 1, .Sk = 100, .D = 64, .Dv = 64, .capacity = 128}, false);
    check({.B = 1, .H = 3, .Sq = 20, .Sk = 45, .D = 64, .Dv = 64, .capacity = 64}, false);
    // Keras's layouts: Q, K and V [B, S, H, D], the output back to [B, Sq, H, Dv].
    const Perm bshd{0, 2, 1, 3};
    check({.B = 2, .H = 4, .Sq = 9, .Sk = 9, .D = 32, .Dv = 32, .q_perm = bshd, .k_perm = bshd, .v_perm = bshd, .out_perm = bshd}, false);
    check({.B = 1, .H = 2, .Sq = 1, .Sk = 30, .D = 16, .Dv = 16, .capacity = 40, .k_perm = bshd, .v_perm = bshd, .out_perm = bshd}, false);
    // Axes scattered: D not innermost (the plain path), a cache with room in a permuted layout.
    check({.B = 2, .H = 3, .Sq = 6, .Sk = 11, .D = 5, .Dv = 7, .capacity = 13, .q_perm = {3, 1, 0, 2}, .k_perm = {1, 3, 2, 0},
           .v_perm = {2, 0, 1, 3}, .out_perm = {3, 0, 2, 1}},
          false);
    for (int i = 0; i < 10; ++i) {
        Perm perms[4];
        for (Perm& p : perms) {
            p = {0, 1, 2, 3};
            std::shuffle(p.begin(), p.end(), rng());
        }
        int64_t sk = random_int(1, 60);
        Case c{.B = random_int(1, 2), .H = random_int(1, 3), .Sq = random_int(1, 20), .Sk = sk, .D = random_int(1, 40),
               .Dv = random_int(1, 40), .capacity = sk + random_int(0, 9), .q_perm = perms[0], .k_perm = perms[1], .v_perm = perms[2],
               .out_perm = perms[3]};
        check(c, false);
        check(c, true);
    }
}

TEST(KernelsAttention, Masks) {
    for (bool plain : {false, true}) {
        check({.B = 2, .H = 3, .Sq = 6, .Sk = 19, .D = 16, .Dv = 16, .mask_kind = "bool", .mask_shape = {6, 19}}, plain);
        check({.B = 2, .H = 3, .Sq = 6, .Sk = 19, .D = 16, .Dv = 16, .mask_kind = "bool", .mask_shape = {2, 1, 6, 19}}, plain);
        check({.B = 2, .H = 3, .Sq = 1, .Sk = 40, .D = 64, .Dv = 64, .mask_kind = "additive", .mask_shape = {2, 1, 1, 40}}, plain);
        check({.B = 1, .H = 3, .Sq = 9, .Sk = 9, .D = 8, .Dv = 8, .mask_kind = "additive", .mask_shape = {3, 9, 1}}, plain);
        check({.B = 1, .H = 3, .Sq = 9, .Sk = 12, .D = 8, .Dv = 8, .mask_kind = "additive", .mask_shape = {12}}, plain);
        // A bool mask then an additive one (PyTorch's GPT-2: causal Where, then the padding Add).
        check({.B = 2, .H = 2, .Sq = 10, .Sk = 10, .D = 16, .Dv = 16, .mask_kind = "bool", .mask_shape = {1, 1, 10, 10},
               .add_mask_shape = {2, 1, 1, 10}},
              plain);
        // Only the additive input 4.
        check({.B = 1, .H = 2, .Sq = 4, .Sk = 10, .D = 16, .Dv = 16, .add_mask_shape = {1, 2, 4, 10}}, plain);
    }
}

TEST(KernelsAttention, Causal) {
    for (bool plain : {false, true}) {
        // Prefill without past, with past (a chunk after cached keys), decode, in a cache with room.
        check({.B = 1, .H = 2, .Sq = 70, .Sk = 70, .D = 64, .Dv = 64, .causal = true}, plain);
        check({.B = 2, .H = 2, .Sq = 5, .Sk = 23, .D = 16, .Dv = 16, .causal = true}, plain);
        check({.B = 1, .H = 4, .Sq = 1, .Sk = 50, .D = 64, .Dv = 64, .capacity = 64, .causal = true}, plain);
        check({.B = 1, .H = 2, .Sq = 37, .Sk = 100, .D = 32, .Dv = 48, .capacity = 128, .causal = true}, plain);
        // With the padding mask as well.
        check({.B = 2, .H = 2, .Sq = 12, .Sk = 20, .D = 16, .Dv = 16, .add_mask_shape = {2, 1, 1, 20}, .causal = true}, plain);
    }
}

TEST(KernelsAttention, Threaded) {
    int saved = kernels::num_threads();
    kernels::set_num_threads(2);
    check({.B = 1, .H = 4, .Sq = 64, .Sk = 128, .D = 64, .Dv = 64, .causal = true}, false);
    check({.B = 1, .H = 12, .Sq = 1, .Sk = 1000, .D = 64, .Dv = 64, .capacity = 1024}, false);
    check({.B = 2, .H = 4, .Sq = 64, .Sk = 64, .D = 64, .Dv = 64, .q_perm = {3, 1, 0, 2}}, false);
    // One head: split into chunks of query rows, each packing its own keys.
    check({.B = 1, .H = 1, .Sq = 200, .Sk = 230, .D = 64, .Dv = 64, .capacity = 256, .causal = true}, false);
    check({.B = 1, .H = 1, .Sq = 150, .Sk = 150, .D = 64, .Dv = 32, .mask_kind = "additive", .mask_shape = {150, 150}}, false);
    check({.B = 1, .H = 1, .Sq = 150, .Sk = 150, .D = 32, .Dv = 32, .k_perm = {0, 1, 3, 2}}, false);  // the plain path
    kernels::set_num_threads(saved);
}
