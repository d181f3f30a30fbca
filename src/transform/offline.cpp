#include "transform/offline.h"

#include "transform/passes/decompose_einsum.h"
#include "transform/passes/eliminate_dead_code.h"
#include "transform/passes/eliminate_noop_ops.h"
#include "transform/passes/fold_constants.h"
#include "transform/passes/merge_duplicates.h"

namespace frugal::transform {

std::vector<Pass> offline_passes(const OfflineOptions& options) {
    EinsumMode mode = options.einsum;
    return {
        // Cleanups first, so folding and the Einsum rule see the real producers of each value.
        {"eliminate_noop_ops", eliminate_noop_ops},
        // Fold before lowering Einsums: an operand that is constant only after folding (a weight
        // behind a Reshape or Cast) must count as constant for the lowering rule.
        {"fold_constants", fold_constants},
        // Lower constant-operand Einsums early, while the weight is still the only copy: the
        // weight-side Reshape/Transpose then fold in the next pass, in place of the original.
        // (Lowered late, in the device plugin, they folded into new buffers beside it.)
        {"decompose_einsum", [mode](Model& m) { return decompose_einsum(m, mode); }},
        // Fold the weight side of the lowered Einsums (views where possible) and shape math.
        {"fold_constants", fold_constants},
        // The lowering may leave no-op reshapes where shapes turned out equal.
        {"eliminate_noop_ops", eliminate_noop_ops},
        {"eliminate_dead_code", eliminate_dead_code},
        // Last: merging needs the final constants and shape subgraphs.
        {"merge_duplicates", merge_duplicates},
    };
}

std::vector<PassRecord> offline(Model& model, const OfflineOptions& options) {
    return run_passes(model, offline_passes(options), options.manager);
}

}  // namespace frugal::transform
