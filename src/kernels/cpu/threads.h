#pragma once
// Kernel threads. oneDNN (built with OpenMP in Debian) and our own `#pragma omp` loops share one
// OpenMP pool, so one setting governs both.
//
// On a machine shared with other work, libgomp's default (spin-)waiting at the end of each
// parallel region lets a waiting thread burn the time slice its partner needs: on this 2-core
// machine at load ~9, a 2-thread M = 1 matmul ran 8-20x slower than with OMP_WAIT_POLICY=passive
// (bench/bench_kernels.cpp, BM_PackedVsRead). The policy is read when the OpenMP runtime starts,
// so it must be in the environment before the process starts (it cannot be set from here).

namespace frugal::kernels {

// Threads used by later kernel calls from this thread (omp_set_num_threads); n < 1 is taken as 1.
void set_num_threads(int n);
// What kernels will use now (omp_get_max_threads).
int num_threads();

}  // namespace frugal::kernels
