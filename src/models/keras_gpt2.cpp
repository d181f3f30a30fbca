#include "models/keras_gpt2.h"

#include <cmath>
#include <numbers>

#include "ir/error.h"
#include "models/seeded_normal.h"

namespace frugal {

namespace {

constexpr int64_t kOpset = 17;
constexpr float kInitStddev = 0.02f;  // keras-hub GPT-2's kernel and embedding initializer
constexpr float kLayerNormEpsilon = 1e-5f;
// What keras.layers.Softmax adds at masked positions for float32 (its _large_negative_number).
constexpr float kMaskValue = -1e9f;

// A dimension of a value's type: a fixed size or a symbolic name (ONNX dim_param).
struct Dim {
    int64_t size = kDynamic;
    const char* name = nullptr;
    Dim(int64_t s) : size(s) {}          // NOLINT: implicit on purpose, for shape lists
    Dim(const char* n) : name(n) {}      // NOLINT
};

PartialShape dims(std::initializer_list<Dim> list) {
    PartialShape p;
    p.rank_known = true;
    bool named = false;
    for (const Dim& d : list) {
        p.dims.push_back(d.size);
        p.dim_names.push_back(d.name ? d.name : "");
        named = named || d.name;
    }
    if (!named) p.dim_names.clear();
    return p;
}

// Appends nodes in order (so the graph stays topologically sorted) and gives every value its
// type, so the written file carries value_info for other tools. A node's output has the node's name.
class Builder {
public:
    Builder(Graph& g, uint64_t seed) : g_(g), seed_(seed) {}

    ValueId input(const std::string& name, DType t, PartialShape s) {
        ValueId v = g_.add_value(name, t, std::move(s));
        g_.inputs.push_back(v);
        return v;
    }

    // A weight drawn from normal(0, stddev), written straight into its one buffer.
    ValueId normal(const std::string& name, const Shape& s, float stddev) {
        Tensor t = Tensor::empty(DType::f32, s);
        fill_seeded_normal(t.mutable_data<float>(), t.numel(), seed_, name, stddev);
        return g_.add_constant(name, std::move(t));
    }
    ValueId filled(const std::string& name, const Shape& s, float value) {
        Tensor t = Tensor::empty(DType::f32, s);
        float* d = t.mutable_data<float>();
        for (int64_t i = 0; i < t.numel(); ++i) d[i] = value;
        return g_.add_constant(name, std::move(t));
    }
    ValueId scalar_f32(const std::string& name, float v) { return g_.add_constant(name, Tensor::scalar<float>(v)); }
    ValueId scalar_i64(const std::string& name, int64_t v) { return g_.add_constant(name, Tensor::scalar<int64_t>(v)); }
    ValueId ints(const std::string& name, std::vector<int64_t> v) {
        Shape s{int64_t(v.size())};
        return g_.add_constant(name, Tensor::from_vector<int64_t>(s, v));
    }

    ValueId op(OpKind kind, const std::string& name, std::vector<ValueId> inputs, DType t, PartialShape s, Attributes attrs = {}) {
        ValueId out = g_.add_value(name, t, std::move(s));
        Node n;
        n.name = name;
        n.op = kind;
        n.opset = kOpset;
        n.inputs = std::move(inputs);
        n.outputs = {out};
        n.attrs = std::move(attrs);
        g_.add_node(std::move(n));
        return out;
    }

    // The same op, output typed float32.
    ValueId f32(OpKind kind, const std::string& name, std::vector<ValueId> inputs, PartialShape s, Attributes attrs = {}) {
        return op(kind, name, std::move(inputs), DType::f32, std::move(s), std::move(attrs));
    }

private:
    Graph& g_;
    uint64_t seed_;
};

Attributes attr(const std::string& name, AttributeValue v) {
    Attributes a;
    a.set(name, std::move(v));
    return a;
}

// Constants every layer shares (scalars; broadcast by the ops that read them).
struct SharedConstants {
    ValueId query_scale, mask_value, half, one, cube, gelu_coefficient, sqrt_2_over_pi;
};

// What every layer's attention reads: the causal mask and, with the cache, the past inputs.
struct AttentionContext {
    ValueId mask = kNoId;  // bool [seq, total_seq]: query i sees key j when j <= past_seq + i
    bool kv_cache = false;
    std::vector<ValueId> past;  // with the cache: layer i's past key at 2i, past value at 2i+1
    const char* keys = "seq";   // the symbolic length of the keys
};

ValueId layer_norm(Builder& b, const std::string& name, ValueId x, const Gpt2Config& c, const PartialShape& s) {
    ValueId gamma = b.filled(name + "/gamma", {c.hidden}, 1.0f);
    ValueId beta = b.filled(name + "/beta", {c.hidden}, 0.0f);
    Attributes a;
    a.set("axis", int64_t(-1));
    a.set("epsilon", kLayerNormEpsilon);
    return b.f32(OpKind::LayerNormalization, name, {x, gamma, beta}, s, a);
}

// keras.layers.EinsumDense("abc,cde->abde") + bias [heads, head_dim]: one of query, key, value.
ValueId project_heads(Builder& b, const std::string& name, ValueId x, const Gpt2Config& c) {
    ValueId kernel = b.normal(name + "/kernel", {c.hidden, c.heads, c.head_dim()}, kInitStddev);
    ValueId bias = b.normal(name + "/bias", {c.heads, c.head_dim()}, kInitStddev);
    PartialShape s = dims({"batch", "seq", c.heads, c.head_dim()});
    ValueId e = b.f32(OpKind::Einsum, name + "/einsum", {x, kernel}, s, attr("equation", std::string("abc,cde->abde")));
    return b.f32(OpKind::Add, name + "/add_bias", {e, bias}, s);
}

// Appends the new K or V [batch, seq, heads, head_dim] to the cache [batch, heads, past, head_dim],
// returns the concatenation in Keras's layout [batch, total, heads, head_dim] for the einsums.
ValueId append_to_cache(Builder& b, std::vector<ValueId>& presents, const std::string& name, const std::string& present_name,
                        ValueId past, ValueId fresh, const Gpt2Config& c) {
    ValueId heads_first = b.f32(OpKind::Transpose, name + "/to_cache_layout", {fresh}, dims({"batch", c.heads, "seq", c.head_dim()}),
                                attr("perm", std::vector<int64_t>{0, 2, 1, 3}));
    ValueId present = b.f32(OpKind::Concat, present_name, {past, heads_first}, dims({"batch", c.heads, "total_seq", c.head_dim()}),
                            attr("axis", int64_t(2)));
    presents.push_back(present);
    return b.f32(OpKind::Transpose, name + "/from_cache_layout", {present}, dims({"batch", "total_seq", c.heads, c.head_dim()}),
                 attr("perm", std::vector<int64_t>{0, 2, 1, 3}));
}

// keras_hub CachedMultiHeadAttention, as TransformerDecoder calls it for self-attention.
ValueId self_attention(Builder& b, std::vector<ValueId>& presents, const std::string& name, int64_t layer, ValueId x, const Gpt2Config& c,
                       const SharedConstants& k, const AttentionContext& ctx) {
    ValueId query = project_heads(b, name + "/query", x, c);
    ValueId key = project_heads(b, name + "/key", x, c);
    ValueId value = project_heads(b, name + "/value", x, c);
    if (ctx.kv_cache) {
        std::string present = "present." + std::to_string(layer);
        key = append_to_cache(b, presents, name + "/key", present + ".key", ctx.past[size_t(2 * layer)], key, c);
        value = append_to_cache(b, presents, name + "/value", present + ".value", ctx.past[size_t(2 * layer + 1)], value, c);
    }
    // Keras scales the query, not the scores.
    ValueId scaled = b.f32(OpKind::Mul, name + "/scale_query", {query, k.query_scale}, dims({"batch", "seq", c.heads, c.head_dim()}));
    PartialShape score_shape = dims({"batch", c.heads, "seq", ctx.keys});
    ValueId scores = b.f32(OpKind::Einsum, name + "/scores", {key, scaled}, score_shape, attr("equation", std::string("aecd,abcd->acbe")));
    ValueId masked = b.f32(OpKind::Where, name + "/mask", {ctx.mask, scores, k.mask_value}, score_shape);
    ValueId probs = b.f32(OpKind::Softmax, name + "/softmax", {masked}, score_shape, attr("axis", int64_t(-1)));
    ValueId combined = b.f32(OpKind::Einsum, name + "/combine", {probs, value}, dims({"batch", "seq", c.heads, c.head_dim()}),
                             attr("equation", std::string("acbe,aecd->abcd")));
    // keras.layers.EinsumDense("abcd,cde->abe") + bias [hidden].
    ValueId kernel = b.normal(name + "/attention_output/kernel", {c.heads, c.head_dim(), c.hidden}, kInitStddev);
    ValueId bias = b.normal(name + "/attention_output/bias", {c.hidden}, kInitStddev);
    PartialShape s = dims({"batch", "seq", c.hidden});
    ValueId out = b.f32(OpKind::Einsum, name + "/attention_output/einsum", {combined, kernel}, s, attr("equation", std::string("abcd,cde->abe")));
    return b.f32(OpKind::Add, name + "/attention_output/add_bias", {out, bias}, s);
}

// keras.layers.Dense: MatMul + bias.
ValueId dense(Builder& b, const std::string& name, ValueId x, int64_t in, int64_t out) {
    ValueId kernel = b.normal(name + "/kernel", {in, out}, kInitStddev);
    ValueId bias = b.normal(name + "/bias", {out}, kInitStddev);
    PartialShape s = dims({"batch", "seq", out});
    ValueId y = b.f32(OpKind::MatMul, name + "/matmul", {x, kernel}, s);
    return b.f32(OpKind::Add, name + "/add_bias", {y, bias}, s);
}

// keras.activations.gelu(approximate=True): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
// Opset 17 has no Gelu, so it is spelled out the way Keras's ops compute it.
ValueId gelu_tanh(Builder& b, const std::string& name, ValueId x, const PartialShape& s, const SharedConstants& k) {
    ValueId cube = b.f32(OpKind::Pow, name + "/cube", {x, k.cube}, s);
    ValueId scaled_cube = b.f32(OpKind::Mul, name + "/scale_cube", {cube, k.gelu_coefficient}, s);
    ValueId inner = b.f32(OpKind::Add, name + "/add_cube", {x, scaled_cube}, s);
    ValueId arg = b.f32(OpKind::Mul, name + "/scale_tanh_arg", {inner, k.sqrt_2_over_pi}, s);
    ValueId t = b.f32(OpKind::Tanh, name + "/tanh", {arg}, s);
    ValueId one_plus = b.f32(OpKind::Add, name + "/one_plus_tanh", {t, k.one}, s);
    ValueId half_x = b.f32(OpKind::Mul, name + "/half_x", {x, k.half}, s);
    return b.f32(OpKind::Mul, name, {half_x, one_plus}, s);
}

// keras_hub TransformerDecoder with normalize_first=True (pre-LayerNorm), no cross-attention.
ValueId decoder_layer(Builder& b, std::vector<ValueId>& presents, int64_t layer, ValueId x, const Gpt2Config& c, const SharedConstants& k,
                      const AttentionContext& ctx) {
    std::string name = "transformer_layer_" + std::to_string(layer);
    PartialShape s = dims({"batch", "seq", c.hidden});
    ValueId normed = layer_norm(b, name + "/self_attention_layer_norm", x, c, s);
    ValueId attended = self_attention(b, presents, name + "/self_attention", layer, normed, c, k, ctx);
    ValueId residual = b.f32(OpKind::Add, name + "/self_attention_residual", {attended, x}, s);
    ValueId normed2 = layer_norm(b, name + "/feedforward_layer_norm", residual, c, s);
    ValueId hidden = dense(b, name + "/feedforward_intermediate_dense", normed2, c.hidden, c.ffn);
    ValueId activated = gelu_tanh(b, name + "/feedforward_intermediate_dense/gelu", hidden, dims({"batch", "seq", c.ffn}), k);
    ValueId out = dense(b, name + "/feedforward_output_dense", activated, c.ffn, c.hidden);
    return b.f32(OpKind::Add, name + "/feedforward_residual", {out, residual}, s);
}

}  // namespace

Gpt2Config gpt2_config(const std::string& size) {
    if (size == "tiny") return {2, 64, 4, 256, 1000, 1024};
    if (size == "base") return {12, 768, 12, 3072, 50257, 1024};
    if (size == "medium") return {24, 1024, 16, 4096, 50257, 1024};
    fail("unknown GPT-2 size '" + size + "' (expected tiny, base or medium)");
}

int64_t gpt2_parameter_count(const Gpt2Config& c) {
    int64_t h = c.hidden;
    int64_t attention = 3 * (h * h + h) + (h * h + h);   // query, key, value, attention_output
    int64_t feedforward = (h * c.ffn + c.ffn) + (c.ffn * h + h);
    int64_t layer_norms = 2 * 2 * h;
    int64_t per_layer = attention + feedforward + layer_norms;
    return c.vocab * h + c.max_positions * h + c.layers * per_layer + 2 * h;
}

Model make_keras_gpt2(const Gpt2Config& c, uint64_t seed, bool kv_cache) {
    if (c.layers < 1 || c.hidden < 1 || c.heads < 1 || c.ffn < 1 || c.vocab < 1 || c.max_positions < 1 || c.hidden % c.heads != 0)
        fail("bad GPT-2 configuration: every size must be positive and hidden a multiple of heads");
    Model m;
    m.opsets[""] = kOpset;
    m.ir_version = 8;
    m.producer_name = "frugal make-model";
    m.metadata["frugal.model"] = "keras-hub GPT-2 (GPT2Backbone, tied logits)";
    m.metadata["frugal.config"] = "layers=" + std::to_string(c.layers) + " hidden=" + std::to_string(c.hidden) +
                                  " heads=" + std::to_string(c.heads) + " ffn=" + std::to_string(c.ffn) +
                                  " vocab=" + std::to_string(c.vocab) + " max_positions=" + std::to_string(c.max_positions);
    m.metadata["frugal.seed"] = std::to_string(seed);
    if (kv_cache) m.metadata["frugal.kv_cache_layout"] = "[batch, heads, seq, head_dim]";
    Graph& g = m.graph;
    Builder b(g, seed);

    ValueId tokens = b.input("token_ids", DType::i64, dims({"batch", "seq"}));
    AttentionContext ctx;
    ctx.kv_cache = kv_cache;
    if (kv_cache) {
        for (int64_t i = 0; i < c.layers; ++i)
            for (const char* which : {"key", "value"})
                ctx.past.push_back(b.input("past_key_values." + std::to_string(i) + "." + which, DType::f32,
                                           dims({"batch", c.heads, "past_seq", c.head_dim()})));
        ctx.keys = "total_seq";
    }
    SharedConstants k{};
    k.query_scale = b.scalar_f32("query_scale", float(1.0 / std::sqrt(double(c.head_dim()))));
    k.mask_value = b.scalar_f32("mask_value", kMaskValue);
    k.half = b.scalar_f32("gelu/half", 0.5f);
    k.one = b.scalar_f32("gelu/one", 1.0f);
    k.cube = b.scalar_f32("gelu/three", 3.0f);
    k.gelu_coefficient = b.scalar_f32("gelu/coefficient", 0.044715f);
    k.sqrt_2_over_pi = b.scalar_f32("gelu/sqrt_2_over_pi", float(std::sqrt(2.0 / std::numbers::pi)));
    ValueId zero = b.scalar_i64("zero", 0);
    ValueId one = b.scalar_i64("one", 1);

    // Positions: past_seq .. past_seq + seq - 1 for the queries, 0 .. past_seq + seq - 1 for the
    // keys (without the cache past_seq is 0 and the two are one Range).
    ValueId token_shape = b.op(OpKind::Shape, "token_ids_shape", {tokens}, DType::i64, Shape{2});
    ValueId seq = b.op(OpKind::Gather, "seq_length", {token_shape, one}, DType::i64, Shape{}, attr("axis", int64_t(0)));
    ValueId query_positions, key_positions;
    if (kv_cache) {
        // Every layer's cache has the same length; layer 0's key tells it.
        ValueId past_shape = b.op(OpKind::Shape, "past_key_shape", {ctx.past[0]}, DType::i64, Shape{4});
        ValueId two = b.scalar_i64("two", 2);
        ValueId past_seq = b.op(OpKind::Gather, "past_length", {past_shape, two}, DType::i64, Shape{}, attr("axis", int64_t(0)));
        ValueId total = b.op(OpKind::Add, "total_length", {past_seq, seq}, DType::i64, Shape{});
        query_positions = b.op(OpKind::Range, "query_positions", {past_seq, total, one}, DType::i64, dims({"seq"}));
        key_positions = b.op(OpKind::Range, "key_positions", {zero, total, one}, DType::i64, dims({"total_seq"}));
    } else {
        query_positions = b.op(OpKind::Range, "positions", {zero, seq, one}, DType::i64, dims({"seq"}));
        key_positions = query_positions;
    }
    // keras_hub compute_causal_mask: the query at position p sees the keys at positions 0..p.
    ValueId axis1 = b.ints("axes_1", {1});
    ValueId axis0 = b.ints("axes_0", {0});
    ValueId query_column = b.op(OpKind::Unsqueeze, "causal_mask/query_positions", {query_positions, axis1}, DType::i64, dims({"seq", 1}));
    ValueId key_row = b.op(OpKind::Unsqueeze, "causal_mask/key_positions", {key_positions, axis0}, DType::i64, dims({1, ctx.keys}));
    ctx.mask = b.op(OpKind::GreaterOrEqual, "causal_mask", {query_column, key_row}, DType::boolean, dims({"seq", ctx.keys}));

    // GPT2Backbone: token embedding + position embedding, the decoder layers, a final LayerNorm.
    ValueId wte = b.normal("token_embedding/embeddings", {c.vocab, c.hidden}, kInitStddev);
    ValueId wpe = b.normal("position_embedding/embeddings", {c.max_positions, c.hidden}, kInitStddev);
    PartialShape s = dims({"batch", "seq", c.hidden});
    ValueId tok = b.f32(OpKind::Gather, "token_embedding", {wte, tokens}, s, attr("axis", int64_t(0)));
    ValueId pos = b.f32(OpKind::Gather, "position_embedding", {wpe, query_positions}, dims({"seq", c.hidden}), attr("axis", int64_t(0)));
    ValueId x = b.f32(OpKind::Add, "embeddings_add", {tok, pos}, s);
    std::vector<ValueId> presents;
    for (int64_t i = 0; i < c.layers; ++i) x = decoder_layer(b, presents, i, x, c, k, ctx);
    x = layer_norm(b, "layer_norm", x, c, s);
    // ReversibleEmbedding(tie_weights=True) in reverse: x @ transpose(embeddings), the same constant.
    ValueId wte_t = b.f32(OpKind::Transpose, "token_embedding/reverse/transpose", {wte}, Shape{c.hidden, c.vocab},
                          attr("perm", std::vector<int64_t>{1, 0}));
    ValueId logits = b.f32(OpKind::MatMul, "logits", {x, wte_t}, dims({"batch", "seq", c.vocab}));
    g.outputs.push_back(logits);
    for (ValueId p : presents) g.outputs.push_back(p);
    return m;
}

}  // namespace frugal
