#pragma once
// Process memory as the kernel reports it (/proc/self/status). RSS is measured, not assumed.
#include <cstdint>

namespace frugal::profile {

struct MemorySample {
    int64_t rss_kb = 0;       // VmRSS
    int64_t anon_kb = 0;      // RssAnon
    int64_t file_kb = 0;      // RssFile
    int64_t swap_kb = 0;      // VmSwap
    int64_t peak_kb = 0;      // VmHWM: the high-water mark since the last reset
};

MemorySample sample_memory();
// Resets VmHWM to the current RSS (writes "5" to /proc/self/clear_refs), so that each stage gets
// its own peak. Returns false where the kernel does not allow it.
bool reset_peak();
// Returns freed heap memory to the OS (malloc_trim); large buffers are their own mmaps already.
void trim_heap();

}  // namespace frugal::profile
