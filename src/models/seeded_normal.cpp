#include "models/seeded_normal.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

// Every machine must round alike: no fused multiply-add (GCC contracts across statements in C++
// unless told not to, clang within expressions).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace frugal {

namespace {

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

struct Xoshiro256 {
    uint64_t s[4];
    explicit Xoshiro256(uint64_t seed) {
        for (uint64_t& w : s) w = splitmix64(seed);
    }
    uint64_t next() {
        uint64_t result = rotl(s[1] * 5, 7) * 9;
        uint64_t t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return result;
    }
};

uint64_t fnv1a(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (char c : s) h = (h ^ uint8_t(c)) * 0x100000001b3ull;
    return h;
}

constexpr int64_t kChunk = int64_t(1) << 16;  // elements per independent generator

uint32_t bits_of(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
float float_of(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// The arithmetic below is our own (no libm) and only +, -, *, / and integer selects, so the
// values are the same on every machine and the loop vectorizes (a float select or a libm call
// with errno would stop that).

// ln(x) for x in (0, 1]: x = m 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s) with
// s = (m - 1) / (m + 1), |s| <= 0.172, by its series to s^9 (relative error below 1e-7).
inline float log_unit(float x) {
    uint32_t bits = bits_of(x);
    int32_t e = int32_t(bits >> 23) - 127;
    uint32_t mantissa = (bits & 0x7fffffu) | 0x3f800000u;  // m in [1, 2)
    uint32_t high = mantissa > 0x3fb504f3u;                // m > sqrt(2): halve it
    mantissa -= high << 23;
    e += int32_t(high);
    float m = float_of(mantissa);
    float s = (m - 1.0f) / (m + 1.0f);
    float s2 = s * s;
    float series = 1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9))));
    return float(e) * 0.693147181f + 2.0f * s * series;
}

// sqrt(y) for y >= 0: the bit-trick inverse square root and three Newton steps.
inline float sqrt_nonnegative(float y) {
    float x = float_of(0x5f3759dfu - (bits_of(y) >> 1));
    x = x * (1.5f - 0.5f * y * x * x);
    x = x * (1.5f - 0.5f * y * x * x);
    x = x * (1.5f - 0.5f * y * x * x);
    return y * x;
}

// Box-Muller on draws split into high and low words: u1 from 24 bits of high, the angle from
// high's two low bits (the quadrant) and 22 bits of low (a in [0, pi/2), where Taylor
// polynomials of sin and cos are accurate to 1e-7). Writes r cos(theta) and r sin(theta).
void box_muller(const uint32_t* high, const uint32_t* low, int64_t pairs, float stddev, float* cosines, float* sines) {
    for (int64_t i = 0; i < pairs; ++i) {
        float u1 = float(int32_t(high[i] >> 8) + 1) * 0x1p-24f;  // (0, 1], so the log is finite
        uint32_t quadrant = high[i] & 3;
        float a = float(int32_t(low[i] >> 10)) * (0x1p-22f * 1.57079633f);
        float r = stddev * sqrt_nonnegative(-2.0f * log_unit(u1));
        float a2 = a * a;
        float sin_a = a * (1.0f + a2 * (-1.0f / 6 + a2 * (1.0f / 120 + a2 * (-1.0f / 5040 + a2 * (1.0f / 362880 + a2 * (-1.0f / 39916800))))));
        float cos_a = 1.0f + a2 * (-0.5f + a2 * (1.0f / 24 + a2 * (-1.0f / 720 + a2 * (1.0f / 40320 + a2 * (-1.0f / 3628800 + a2 * (1.0f / 479001600))))));
        // Turning by quadrant * pi/2: (c, s) -> (-s, c) -> (-c, -s) -> (s, -c), as bit operations.
        uint32_t odd = 0u - (quadrant & 1);
        uint32_t flip = (quadrant >> 1) << 31;
        uint32_t c = (bits_of(cos_a) & ~odd) | (bits_of(sin_a) & odd);
        uint32_t s = (bits_of(sin_a) & ~odd) | (bits_of(cos_a) & odd);
        cosines[i] = r * float_of(c ^ (odd & 0x80000000u) ^ flip);
        sines[i] = r * float_of(s ^ flip);
    }
}

// One chunk of n <= kChunk values from its own generator: the cosines fill the first (n+1)/2
// values, the sines the rest.
struct ChunkScratch {
    std::vector<uint32_t> high = std::vector<uint32_t>(kChunk / 2);
    std::vector<uint32_t> low = std::vector<uint32_t>(kChunk / 2);
    std::vector<float> sines = std::vector<float>(kChunk / 2);
};

void fill_chunk(float* data, int64_t n, uint64_t chunk_seed, float stddev, ChunkScratch& scratch) {
    Xoshiro256 rng(chunk_seed);
    int64_t pairs = (n + 1) / 2;
    for (int64_t i = 0; i < pairs; ++i) {
        uint64_t bits = rng.next();
        scratch.high[size_t(i)] = uint32_t(bits >> 32);
        scratch.low[size_t(i)] = uint32_t(bits);
    }
    if (n % 2 == 0) {
        box_muller(scratch.high.data(), scratch.low.data(), pairs, stddev, data, data + pairs);
        return;
    }
    // An odd chunk (the last of an odd-sized weight) has no room for its last sine.
    box_muller(scratch.high.data(), scratch.low.data(), pairs, stddev, data, scratch.sines.data());
    std::memcpy(data + pairs, scratch.sines.data(), size_t(n - pairs) * sizeof(float));
}

}  // namespace

void fill_seeded_normal(float* data, int64_t n, uint64_t seed, std::string_view stream, float stddev) {
    uint64_t mix = seed ^ fnv1a(stream);
    uint64_t stream_seed = splitmix64(mix);
    int64_t chunks = (n + kChunk - 1) / kChunk;
    auto fill_range = [&](int64_t first, int64_t last) {
        ChunkScratch scratch;
        for (int64_t c = first; c < last; ++c) {
            uint64_t s = stream_seed + uint64_t(c) * 0x9e3779b97f4a7c15ull;
            int64_t begin = c * kChunk;
            fill_chunk(data + begin, std::min(kChunk, n - begin), splitmix64(s), stddev, scratch);
        }
    };
    // Large weights are split over the hardware threads; the chunking keeps the values the same.
    int64_t threads = std::min<int64_t>(std::max(1u, std::thread::hardware_concurrency()), chunks / 16);
    if (threads <= 1) {
        fill_range(0, chunks);
        return;
    }
    std::vector<std::thread> pool;
    for (int64_t t = 0; t < threads; ++t)
        pool.emplace_back(fill_range, chunks * t / threads, chunks * (t + 1) / threads);
    for (std::thread& th : pool) th.join();
}

}  // namespace frugal
