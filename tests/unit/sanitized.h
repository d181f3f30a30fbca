#pragma once
// Whether this test binary is built with a sanitizer. Under ASan or TSan the resident set also
// holds the sanitizer's shadow memory, its allocator's quarantine and its own bookkeeping, so
// tests that assert resident-memory figures check those figures only in the plain build (they
// still run everything else).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
