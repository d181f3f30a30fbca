#pragma once
// From a transformed model to what a Session runs on this CPU: Einsums left are lowered, GELU and
// dense layers are fused, and each dense weight is put into oneDNN's packed layout in place —
// the packed copy replaces the original before the next weight is packed (memory contract 4).
// A CompiledModel is immutable once made and is shared by any number of sessions; it can be written
// to a .frugal file and mapped back ready to run (compiled_file.h).
#include <memory>
#include <mutex>
#include <vector>

#include "ir/graph.h"
#include "kernels/cpu/matmul_packed.h"
#include "transform/pass_manager.h"

namespace frugal::compile {

struct CompileOptions {
    int threads = 0;  // 0: all cores
    transform::PassManagerOptions manager;
};

struct CompiledModel {
    Model model;
    // For each node: the packed weight it reads (FusedMatMul, or a Gather of the tied embedding),
    // or -1. A packed weight's constant is released from the graph.
    std::vector<int> node_packed;
    std::vector<std::unique_ptr<kernels::PackedMatmul>> packed;
    // oneDNN primitives are cached per M inside a PackedMatmul; sessions on other threads take
    // the weight's lock around a call.
    std::vector<std::unique_ptr<std::mutex>> packed_locks;
    std::vector<transform::PassRecord> passes;  // the compile passes, with the packing as one row

    size_t weight_bytes() const;  // constants still in the graph plus packed weights
};

std::shared_ptr<const CompiledModel> compile_model(Model model, const CompileOptions& options = {});

}  // namespace frugal::compile
