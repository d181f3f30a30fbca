#pragma once
// Kernel threads. oneDNN (built with OpenMP in Debian) and our own `#pragma omp` loops share one
// OpenMP pool, so one setting governs both.

namespace frugal::kernels {

// Threads used by later kernel calls from this thread (omp_set_num_threads); n < 1 is taken as 1.
void set_num_threads(int n);
// What kernels will use now (omp_get_max_threads).
int num_threads();

}  // namespace frugal::kernels
