#include "compile/compile.h"

#include <chrono>

#include "compile/passes/fuse_gelu.h"
#include "compile/passes/fuse_layer_norm.h"
#include "compile/passes/fuse_matmul.h"
#include "ir/error.h"
#include "kernels/cpu/threads.h"
#include "profile/memory.h"
#include "transform/passes/decompose_einsum.h"
#include "transform/passes/eliminate_dead_code.h"
#include "transform/passes/fold_constants.h"

namespace frugal::compile {

namespace {

// A Gather that reads rows of the weight along axis 0 can be served from the packed layout.
bool is_row_gather(const Node& n, ValueId w) {
    return n.op == OpKind::Gather && n.inputs[0] == w && n.attrs.get_int("axis", 0) == 0;
}

// Packs every FusedMatMul weight, one at a time, each replacing its original before the next.
size_t pack_weights(CompiledModel& cm) {
    Graph& g = cm.model.graph;
    cm.node_packed.assign(g.nodes.size(), -1);
    auto consumers = g.consumers();
    size_t packed = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& n = g.nodes[i];
        if (n.op != OpKind::FusedMatMul || cm.node_packed[i] >= 0) continue;
        ValueId w = n.inputs[1];
        Value& wv = g.values[size_t(w)];
        if (!wv.is_constant() || g.is_graph_output(w)) continue;
        // Every reader must be able to use the packed layout: FusedMatMuls with the same options
        // (one packing serves them all) or row Gathers of a transposed weight (the tied embedding).
        kernels::MatmulOptions options;
        options.transposed_b = n.attrs.get_int("transpose_b", 0) != 0;
        std::string act = n.attrs.get_string("activation", "none");
        options.activation = act == "gelu_tanh" ? kernels::Activation::gelu_tanh
                             : act == "gelu_erf" ? kernels::Activation::gelu_erf : kernels::Activation::none;
        options.residual = n.has_input(3);
        ValueId bias_id = n.has_input(2) ? n.inputs[2] : kNoId;
        bool all_fit = true;
        for (NodeId c : consumers[size_t(w)]) {
            const Node& cn = g.nodes[size_t(c)];
            bool same = cn.op == OpKind::FusedMatMul && cn.inputs[1] == w && size_t(c) == i;
            bool gather = is_row_gather(cn, w) && options.transposed_b;
            all_fit &= same || gather;
        }
        if (!all_fit) continue;
        Tensor bias = bias_id != kNoId ? *g.values[size_t(bias_id)].constant : Tensor{};
        auto pm = std::make_unique<kernels::PackedMatmul>(*wv.constant, options, bias);
        // The graph's reference goes first, then pack() releases the caller's: the original's
        // bytes are freed (or its mapped pages dropped) as soon as the packed copy exists.
        Tensor weight = std::move(*wv.constant);
        wv.constant.reset();
        pm->pack(weight);
        int index = int(cm.packed.size());
        cm.packed.push_back(std::move(pm));
        cm.packed_locks.push_back(std::make_unique<std::mutex>());
        for (NodeId c : consumers[size_t(w)]) cm.node_packed[size_t(c)] = index;
        packed++;
        profile::trim_heap();
    }
    return packed;
}

}  // namespace

size_t CompiledModel::weight_bytes() const {
    size_t total = 0;
    for (const Value& v : model.graph.values)
        if (v.is_constant()) total += v.constant->nbytes();
    for (const auto& p : packed) total += p->packed_bytes();
    return total;
}

std::shared_ptr<const CompiledModel> compile_model(Model model, const CompileOptions& options) {
    if (options.threads > 0) kernels::set_num_threads(options.threads);
    auto cm = std::make_shared<CompiledModel>();
    cm->model = std::move(model);
    std::vector<transform::Pass> passes = {
        // Whatever Einsums the offline pipeline left (those without a weight) run as MatMuls.
        {"decompose_einsum(all)", [](Model& m) { return transform::decompose_einsum(m, transform::EinsumMode::all); }},
        {"fold_constants", transform::fold_constants},
        // Layer norms written out in elementwise ops (pre-opset-17 exporters, OpenVINO's MVN).
        {"fuse_layer_norm", fuse_layer_norm},
        // GELU first, so that the dense fusion can take it as its activation.
        {"fuse_gelu", fuse_gelu},
        {"fuse_matmul", fuse_matmul},
        {"eliminate_dead_code", transform::eliminate_dead_code},
    };
    cm->passes = transform::run_passes(cm->model, passes, options.manager);

    transform::PassRecord pack;
    pack.name = "pack_weights";
    profile::reset_peak();
    pack.rss_before_kb = profile::sample_memory().rss_kb;
    auto start = std::chrono::steady_clock::now();
    pack.nodes_changed = pack_weights(*cm);
    pack.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    profile::MemorySample s = profile::sample_memory();
    pack.rss_after_kb = s.rss_kb;
    pack.peak_kb = s.peak_kb;
    pack.nodes_after = cm->model.graph.live_node_count();
    cm->passes.push_back(pack);
    return cm;
}

}  // namespace frugal::compile
