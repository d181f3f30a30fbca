#include "profile/stages.h"

#include <algorithm>
#include <cstdio>

#include "ir/error.h"

namespace frugal::profile {

// VmHWM is reset by the pass manager (per-pass peaks), so the run's peak is the largest high-water
// mark seen at any stage or reported by a pass.
StageTable::StageTable() = default;

void StageTable::record(const std::string& name, double seconds) {
    Stage s{name, sample_memory(), seconds};
    peak_kb_ = std::max({peak_kb_, s.memory.peak_kb, s.memory.rss_kb});
    stages_.push_back(s);
}

const Stage& StageTable::at(const std::string& name) const {
    for (const Stage& s : stages_)
        if (s.name == name) return s;
    fail("no stage named '" + name + "'");
}

static double mb(int64_t kb) { return double(kb) / 1024.0; }

std::string StageTable::format() const {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "%-22s %10s %10s %10s %10s %9s %9s\n", "stage", "RSS MiB", "delta MiB", "anon MiB", "file MiB", "swap MiB",
                  "delta MiB");
    out += line;
    for (size_t i = 0; i < stages_.size(); ++i) {
        const MemorySample& m = stages_[i].memory;
        const MemorySample* p = i ? &stages_[i - 1].memory : nullptr;
        std::snprintf(line, sizeof line, "%-22s %10.1f %+10.1f %10.1f %10.1f %9.1f %+9.1f\n", stages_[i].name.c_str(), mb(m.rss_kb),
                      p ? mb(m.rss_kb - p->rss_kb) : 0.0, mb(m.anon_kb), mb(m.file_kb), mb(m.swap_kb), p ? mb(m.swap_kb - p->swap_kb) : 0.0);
        out += line;
    }
    std::snprintf(line, sizeof line, "%-22s %10.1f\n", "Peak recorded", mb(peak_kb_));
    out += line;
    return out;
}

}  // namespace frugal::profile
