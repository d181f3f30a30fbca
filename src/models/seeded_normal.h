#pragma once
// Seeded normal random numbers that are the same on every platform and standard library:
// splitmix64 to derive seeds, xoshiro256** for the stream, Box-Muller in float with our own
// polynomials for log, sin and cos (std::normal_distribution is implementation-defined, and libm
// may differ in the last bit between versions and CPUs).
#include <cstdint>
#include <string_view>

namespace frugal {

// Fills data[0..n) with normal(0, stddev) values. The values depend only on (seed, stream, n):
// the stream name (a weight's name) selects an independent sequence, so a weight's values do not
// depend on which other weights were made before it. The array is cut into fixed chunks that each
// have their own generator, so the result does not depend on how many threads fill it.
void fill_seeded_normal(float* data, int64_t n, uint64_t seed, std::string_view stream, float stddev);

}  // namespace frugal
