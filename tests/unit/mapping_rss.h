#pragma once
// Resident kB of the one mapping that holds `address`: the "Rss:" line of its range in
// /proc/self/smaps, or -1 if no mapping holds it. Process-wide figures (RssFile, VmRSS) also count
// library code pages faulted in meanwhile (gtest's, libstdc++'s, a sanitizer's), which made them
// flaky by a few pages for assertions about one file.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

inline long mapping_rss_kb(const void* address) {
    const auto a = reinterpret_cast<uintptr_t>(address);
    std::ifstream f("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(f, line)) {
        unsigned long lo = 0, hi = 0;
        // A range's header ("lo-hi perms offset dev inode path") has its first ':' (in dev) after
        // a space; a field line ("Rss:   12 kB") has it before.
        if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > line.find(' ')) {
            inside = a >= lo && a < hi;
            continue;
        }
        long kb = 0;
        if (inside && std::sscanf(line.c_str(), "Rss: %ld kB", &kb) == 1) return kb;
    }
    return -1;
}
