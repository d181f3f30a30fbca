#pragma once
// The stage table of the seed's harness: RSS, anonymous and file-backed RSS and swap at each
// stage, with the change from the previous stage, and the peak recorded over the whole run.
#include <algorithm>
#include <string>
#include <vector>

#include "profile/memory.h"

namespace frugal::profile {

struct Stage {
    std::string name;
    MemorySample memory;
    double seconds = 0;  // time spent since the previous stage
};

class StageTable {
public:
    StageTable();
    // Samples memory now; `seconds` is the time of the work that led to this stage.
    void record(const std::string& name, double seconds = 0);
    const std::vector<Stage>& stages() const { return stages_; }
    int64_t peak_kb() const { return peak_kb_; }
    // The pass manager resets VmHWM to give each pass its own peak; what it saw counts here.
    void note_peak(int64_t kb) { peak_kb_ = std::max(peak_kb_, kb); }
    const Stage& at(const std::string& name) const;
    std::string format() const;

private:
    std::vector<Stage> stages_;
    int64_t peak_kb_ = 0;
};

}  // namespace frugal::profile
