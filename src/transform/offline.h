#pragma once
// The offline pipeline: what `frugal convert` runs and what compile starts from.
#include <vector>

#include "transform/pass_manager.h"

namespace frugal::transform {

struct OfflineOptions {
    EinsumMode einsum = EinsumMode::constant;
    PassManagerOptions manager;
};

std::vector<Pass> offline_passes(const OfflineOptions& options = {});
std::vector<PassRecord> offline(Model& model, const OfflineOptions& options = {});

}  // namespace frugal::transform
