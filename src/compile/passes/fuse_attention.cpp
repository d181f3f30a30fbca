#include "compile/passes/fuse_attention.h"

#include <array>
#include <optional>

namespace frugal::compile {

namespace {

using Perm = std::array<int64_t, 4>;
constexpr Perm kIdentity{0, 1, 2, 3};

struct Ctx {
    Graph& g;
    std::vector<std::vector<NodeId>> consumers;
    const Value& value(ValueId v) const { return g.values[size_t(v)]; }
    // The live node that makes v, or nullptr for inputs and constants.
    const Node* producer(ValueId v) const {
        NodeId p = value(v).producer;
        return p == kNoId || g.nodes[size_t(p)].dead ? nullptr : &g.nodes[size_t(p)];
    }
    // True when `user` is the only reader of v and v is not a graph output.
    bool only_read_by(ValueId v, const Node& user) const {
        const auto& c = consumers[size_t(v)];
        return !g.is_graph_output(v) && c.size() == 1 && &g.nodes[size_t(c[0])] == &user;
    }
};

// The value of a one-element f32 constant.
std::optional<float> scalar_constant(const Value& v) {
    if (!v.is_constant() || v.dtype != DType::f32 || v.constant->numel() != 1 || v.constant->rank() > 4) return std::nullopt;
    return v.constant->data<float>()[0];
}

bool is_f32_rank4(const Value& v) { return v.dtype == DType::f32 && v.shape.rank_known && v.shape.rank() == 4; }

// A Transpose's perm as 4 ints, or nullopt when it is not a rank-4 Transpose.
std::optional<Perm> transpose_perm(const Ctx& c, const Node& n) {
    if (n.op != OpKind::Transpose || !is_f32_rank4(c.value(n.inputs[0]))) return std::nullopt;
    std::vector<int64_t> p = n.attrs.get_ints("perm", {3, 2, 1, 0});
    if (p.size() != 4) return std::nullopt;
    return Perm{p[0], p[1], p[2], p[3]};
}

// x * c or x / c with c a scalar constant: x and the factor.
std::optional<std::pair<ValueId, float>> scalar_factor(const Ctx& c, const Node& n) {
    if (n.op == OpKind::Mul) {
        if (auto f = scalar_constant(c.value(n.inputs[1]))) return std::make_pair(n.inputs[0], *f);
        if (auto f = scalar_constant(c.value(n.inputs[0]))) return std::make_pair(n.inputs[1], *f);
    } else if (n.op == OpKind::Div) {
        if (auto f = scalar_constant(c.value(n.inputs[1])); f && *f != 0.f) return std::make_pair(n.inputs[0], 1.f / *f);
    }
    return std::nullopt;
}

// Walks back from an operand of the attention through Transposes (and, with `scalars`, scalar
// Mul/Div) to the value to read. perm starts as the operand's canonical-to-its-own-axes map and
// ends as the canonical-to-source map: a Transpose with perm p maps axis i of its output to axis
// p[i] of its input.
ValueId walk_operand(const Ctx& c, ValueId v, Perm& perm, float* scale) {
    for (;;) {
        const Node* n = c.producer(v);
        if (!n) return v;
        if (auto p = transpose_perm(c, *n)) {
            for (int64_t& a : perm) a = (*p)[size_t(a)];
            v = n->inputs[0];
        } else if (auto f = scale ? scalar_factor(c, *n) : std::nullopt; f && is_f32_rank4(c.value(f->first))) {
            *scale *= f->second;
            v = f->first;
        } else {
            return v;
        }
    }
}

struct Match {
    const Node* scores = nullptr;  // MatMul(A, B)
    float scale = 1.f;
    ValueId bool_mask = kNoId, add_mask = kNoId;
    float fill = 0.f;
    std::vector<const Node*> absorbed;
};

// Matches the chain that ends in value v, read by `user`, walking back: stage 0 may take an Add,
// stage 1 a Where, and from stage 2 on only scalar factors and the scores MatMul.
bool match_scores(const Ctx& c, ValueId v, const Node& user, int stage, Match& m) {
    if (!c.only_read_by(v, user) || !is_f32_rank4(c.value(v))) return false;
    const Node* n = c.producer(v);
    if (!n) return false;
    if (n->op == OpKind::MatMul) {
        if (!is_f32_rank4(c.value(n->inputs[0])) || !is_f32_rank4(c.value(n->inputs[1]))) return false;
        m.scores = n;
        m.absorbed.push_back(n);
        return true;
    }
    if (auto f = scalar_factor(c, *n)) {
        m.scale *= f->second;
        m.absorbed.push_back(n);
        return match_scores(c, f->first, *n, 2, m);
    }
    if (n->op == OpKind::Where && stage <= 1) {
        auto fill = scalar_constant(c.value(n->inputs[2]));
        const Value& mask = c.value(n->inputs[0]);
        if (!fill || mask.dtype != DType::boolean || !mask.shape.rank_known || mask.shape.rank() > 4) return false;
        m.bool_mask = n->inputs[0];
        m.fill = *fill;
        m.absorbed.push_back(n);
        return match_scores(c, n->inputs[1], *n, 2, m);
    }
    if (n->op == OpKind::Add && stage == 0) {
        // Either operand may be the scores; the other is the mask.
        for (size_t i = 0; i < 2; ++i) {
            const Value& mask = c.value(n->inputs[1 - i]);
            if (mask.dtype != DType::f32 || !mask.shape.rank_known || mask.shape.rank() > 4) continue;
            Match tried = m;
            tried.add_mask = n->inputs[1 - i];
            tried.absorbed.push_back(n);
            if (match_scores(c, n->inputs[i], *n, 1, tried)) {
                m = std::move(tried);
                return true;
            }
        }
    }
    return false;
}

std::vector<int64_t> ints(const Perm& p) { return {p.begin(), p.end()}; }

}  // namespace

size_t fuse_attention(Model& model) {
    Graph& g = model.graph;
    Ctx c{g, g.consumers()};
    size_t fused = 0;
    std::vector<Node> made;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& sm = g.nodes[i];
        if (sm.dead || sm.op != OpKind::Softmax || !is_f32_rank4(c.value(sm.inputs[0]))) continue;
        // Before opset 13 Softmax flattens from `axis` on: over the last axis only when axis is 3.
        int64_t axis = sm.attrs.get_int("axis", sm.opset >= 13 ? -1 : 1);
        if (axis != 3 && axis != -1) continue;
        ValueId probs = sm.outputs[0];
        const auto& readers = c.consumers[size_t(probs)];
        if (g.is_graph_output(probs) || readers.size() != 1) continue;
        const Node& pv = g.nodes[size_t(readers[0])];
        if (pv.op != OpKind::MatMul || pv.inputs[0] != probs || !is_f32_rank4(c.value(pv.inputs[1])) || !is_f32_rank4(c.value(pv.outputs[0])))
            continue;
        Match m;
        if (!match_scores(c, sm.inputs[0], sm, 0, m)) continue;

        // Canonical K is B = K^T with its last two axes swapped.
        Perm q_perm = kIdentity, k_perm{0, 1, 3, 2}, v_perm = kIdentity;
        float scale = m.scale;
        ValueId q = walk_operand(c, m.scores->inputs[0], q_perm, &scale);
        ValueId k = walk_operand(c, m.scores->inputs[1], k_perm, &scale);
        ValueId v = walk_operand(c, pv.inputs[1], v_perm, nullptr);

        // Transposes of the output become out_perm: physical axis j is canonical axis out_perm[j].
        Perm out_perm = kIdentity;
        ValueId out = pv.outputs[0];
        std::vector<const Node*> after;
        for (;;) {
            const auto& r = c.consumers[size_t(out)];
            if (g.is_graph_output(out) || r.size() != 1) break;
            const Node& t = g.nodes[size_t(r[0])];
            auto p = transpose_perm(c, t);
            if (!p) break;
            Perm composed;
            for (size_t j = 0; j < 4; ++j) composed[j] = out_perm[size_t((*p)[j])];
            out_perm = composed;
            after.push_back(&t);
            out = t.outputs[0];
        }

        Node f;
        f.name = sm.name;
        f.op = OpKind::FusedAttention;
        f.opset = sm.opset;
        f.inputs = {q, k, v};
        f.outputs = {out};
        f.attrs.set("q_perm", ints(q_perm));
        f.attrs.set("k_perm", ints(k_perm));
        f.attrs.set("v_perm", ints(v_perm));
        f.attrs.set("out_perm", ints(out_perm));
        f.attrs.set("scale", scale);
        if (m.bool_mask != kNoId) {
            f.attrs.set("mask_kind", std::string("bool"));
            f.attrs.set("mask_fill", m.fill);
            f.inputs.push_back(m.bool_mask);
            if (m.add_mask != kNoId) f.inputs.push_back(m.add_mask);
        } else if (m.add_mask != kNoId) {
            f.attrs.set("mask_kind", std::string("additive"));
            f.inputs.push_back(m.add_mask);
        } else {
            f.attrs.set("mask_kind", std::string("none"));
        }
        auto kill = [&](const Node* n) { g.nodes[size_t(n - g.nodes.data())].dead = true; };
        for (const Node* n : m.absorbed) kill(n);
        for (const Node* n : after) kill(n);
        g.nodes[i].dead = true;
        g.nodes[size_t(readers[0])].dead = true;
        made.push_back(std::move(f));
        fused++;
    }
    // Added after the scan: add_node may move the node array the walk holds pointers into.
    for (Node& f : made) g.add_node(std::move(f));
    if (fused) {
        g.topological_sort();
        g.compact();
    }
    return fused;
}

}  // namespace frugal::compile
