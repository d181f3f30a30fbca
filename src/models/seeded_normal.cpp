#include "models/seeded_normal.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

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

// Box-Muller: each draw gives two 24-bit uniforms and two normals.
void fill_chunk(float* data, int64_t n, uint64_t chunk_seed, float stddev) {
    Xoshiro256 rng(chunk_seed);
    const float two_pi = 6.28318530717958647692f;
    for (int64_t i = 0; i < n; i += 2) {
        uint64_t bits = rng.next();
        float u1 = float((bits >> 40) + 1) * 0x1p-24f;  // (0, 1], so the log is finite
        float u2 = float((bits >> 16) & 0xffffff) * 0x1p-24f;
        float r = stddev * std::sqrt(-2.0f * std::log(u1));
        float theta = two_pi * u2;
        data[i] = r * std::cos(theta);
        if (i + 1 < n) data[i + 1] = r * std::sin(theta);
    }
}

}  // namespace

void fill_seeded_normal(float* data, int64_t n, uint64_t seed, std::string_view stream, float stddev) {
    uint64_t mix = seed ^ fnv1a(stream);
    uint64_t stream_seed = splitmix64(mix);
    int64_t chunks = (n + kChunk - 1) / kChunk;
    auto fill_range = [&](int64_t first, int64_t last) {
        for (int64_t c = first; c < last; ++c) {
            uint64_t s = stream_seed + uint64_t(c) * 0x9e3779b97f4a7c15ull;
            int64_t begin = c * kChunk;
            fill_chunk(data + begin, std::min(kChunk, n - begin), splitmix64(s), stddev);
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
