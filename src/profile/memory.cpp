#include "profile/memory.h"

#include <malloc.h>

#include <cstdio>
#include <cstring>

namespace frugal::profile {

MemorySample sample_memory() {
    MemorySample s;
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return s;
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
        long long v = 0;
        if (std::sscanf(line, "VmRSS: %lld", &v) == 1) s.rss_kb = v;
        else if (std::sscanf(line, "RssAnon: %lld", &v) == 1) s.anon_kb = v;
        else if (std::sscanf(line, "RssFile: %lld", &v) == 1) s.file_kb = v;
        else if (std::sscanf(line, "VmSwap: %lld", &v) == 1) s.swap_kb = v;
        else if (std::sscanf(line, "VmHWM: %lld", &v) == 1) s.peak_kb = v;
    }
    std::fclose(f);
    return s;
}

bool reset_peak() {
    FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (!f) return false;
    bool ok = std::fputs("5", f) >= 0;
    return std::fclose(f) == 0 && ok;
}

void trim_heap() { malloc_trim(0); }

}  // namespace frugal::profile
