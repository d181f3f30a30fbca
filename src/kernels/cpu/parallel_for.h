#pragma once
// body(i) for i in [0, n): over the OpenMP threads when `parallel`, otherwise in the calling
// thread without entering an OpenMP region at all (`#pragma omp parallel if(false)` still sets up
// a one-thread team, which costs about as much as a 1024-wide layer norm row).
#include <cstdint>

namespace frugal::kernels {

template <class Body>
void parallel_for(int64_t n, bool parallel, const Body& body) {
    if (parallel && n > 1) {
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; ++i) body(i);
    } else {
        for (int64_t i = 0; i < n; ++i) body(i);
    }
}

}  // namespace frugal::kernels
