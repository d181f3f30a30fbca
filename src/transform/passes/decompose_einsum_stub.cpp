// TEMPORARY weak fallback until the Einsum decomposition lands; deleted with that merge.
#include "ir/error.h"
#include "transform/passes/decompose_einsum.h"

namespace frugal::transform {

[[gnu::weak]] size_t decompose_einsum(Model&, EinsumMode) { fail("decompose_einsum: not implemented yet"); }

}  // namespace frugal::transform
