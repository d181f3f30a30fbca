// frugal profile: the seed's measurement harness as a command. Loads (reads and runs the offline
// passes), compiles, runs twice, and prints memory per stage, the load/compile split, the two
// latencies and the per-pass table.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "commands.h"
#include "compile/compile.h"
#include "compile/compiled_file.h"
#include "frontend/read_model.h"
#include "ir/error.h"
#include "profile/stages.h"
#include "runtime/session.h"
#include "transform/offline.h"

namespace frugal::cli {

struct ProfileOptions {
    std::string model;
    int64_t seq = 32;
    int threads = 0;
    std::string json;
};

// Inputs for any model: dynamic dims are 1 for the first (the batch) and --seq for the others;
// integers are token-like ids in [0, 100), floats uniform in [-1, 1].
static TensorMap make_profile_inputs(const Model& m, int64_t seq) {
    TensorMap feed;
    std::mt19937 rng(1234);
    for (ValueId id : m.graph.inputs) {
        const Value& v = m.graph.values[size_t(id)];
        if (!v.shape.rank_known) fail("input '" + v.name + "' has an unknown rank; profile cannot make an input for it");
        Shape s = v.shape.dims;
        bool first = true;
        for (int64_t& d : s) {
            if (d < 0) d = first ? 1 : seq;
            first = false;
        }
        Tensor t = Tensor::empty(v.dtype, s);
        visit_dtype(v.dtype, [&]<class T>() {
            T* p = t.mutable_data<T>();
            for (int64_t i = 0; i < t.numel(); ++i) {
                if (dtype_is_float(v.dtype)) p[i] = from_double<T>(std::uniform_real_distribution<double>(-1, 1)(rng));
                else p[i] = from_double<T>(double(rng() % 100));
            }
        });
        feed[v.name] = std::move(t);
    }
    return feed;
}

static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

static void profile_model(const ProfileOptions& o) {
    using clock = std::chrono::steady_clock;
    profile::StageTable table;
    table.record("Initial");
    auto t0 = clock::now();
    std::shared_ptr<const compile::CompiledModel> compiled;
    std::vector<transform::PassRecord> offline;
    double read_s = 0, offline_s = 0, compile_s = 0;
    size_t weights = 0;
    TensorMap feed;
    if (compile::is_compiled_file(o.model)) {
        // A compiled file: loading is the whole of it, there is nothing left to compile.
        compiled = compile::load_compiled(o.model, o.threads);
        read_s = seconds_since(t0);
        table.record("After model load", read_s);
        weights = compiled->weight_bytes();
        feed = make_profile_inputs(compiled->model, o.seq);
    } else {
        Model model = read_model(o.model);
        read_s = seconds_since(t0);
        auto t1 = clock::now();
        offline = transform::offline(model);
        offline_s = seconds_since(t1);
        for (const auto& r : offline) table.note_peak(r.peak_kb);
        table.record("After model load", read_s + offline_s);
        for (const Value& v : model.graph.values)
            if (v.is_constant()) weights += v.constant->nbytes();
        feed = make_profile_inputs(model, o.seq);

        auto t2 = clock::now();
        compile::CompileOptions co;
        co.threads = o.threads;
        compiled = compile::compile_model(std::move(model), co);
        compile_s = seconds_since(t2);
    }
    double load_s = read_s + offline_s;
    for (const auto& r : compiled->passes) table.note_peak(r.peak_kb);
    table.record("Before inference", compile_s);
    Session session(compiled);
    auto t3 = clock::now();
    session.run(feed);
    double first_s = seconds_since(t3);
    table.record("After 1st inference", first_s);
    session.set_timing(true);
    auto t4 = clock::now();
    TensorMap out = session.run(feed);
    double second_s = seconds_since(t4);
    table.record("After 2nd inference", second_s);
    out.clear();
    profile::trim_heap();
    table.record("Final");

    const auto& st = table.stages();
    double mb = 1024.0;
    std::printf("frugal profile %s  (inputs:", o.model.c_str());
    for (const auto& [name, t] : feed) std::printf(" %s %s%s", name.c_str(), dtype_name(t.dtype), shape_to_string(t.shape).c_str());
    std::printf(", threads %d)\n\n", o.threads);
    std::fputs(table.format().c_str(), stdout);
    double load_mb = double(table.at("After model load").memory.rss_kb - st[0].memory.rss_kb) / mb;
    double compile_mb = double(table.at("After 1st inference").memory.rss_kb - table.at("After model load").memory.rss_kb) / mb;
    std::printf("\nweights                      %10.1f MiB\n", double(weights) / (1 << 20));
    std::printf("model loading                %+10.1f MiB %8.3f s (read %.3f s, offline passes %.3f s)\n", load_mb, load_s, read_s, offline_s);
    std::printf("compilation + 1st inference  %+10.1f MiB %8.3f s (compile %.3f s, 1st inference %.3f s)\n", compile_mb,
                compile_s + first_s, compile_s, first_s);
    std::printf("2nd inference                %10.3f s\n", second_s);
    // Figures are MiB (2^20 bytes), as /proc reports kB = KiB; the JSON keys say _mb for short.
    std::printf("peak RSS / weights           %10.2f x\n", double(table.peak_kb()) * 1024.0 / double(std::max<size_t>(weights, 1)));
    std::printf("activation arena             %10.1f MiB, %zu kernel steps, %zu reference steps\n", double(session.arena_bytes()) / (1 << 20),
                session.kernel_steps(), session.reference_steps());
    std::vector<std::pair<double, std::string>> by_time;
    for (const auto& [k, v] : session.step_seconds()) by_time.push_back({v, k});
    std::sort(by_time.rbegin(), by_time.rend());
    std::printf("\n2nd inference by op\n");
    for (const auto& [sec, k] : by_time) std::printf("  %-34s %9.3f ms %5.1f%%\n", k.c_str(), sec * 1e3, 100 * sec / std::max(second_s, 1e-12));
    std::printf("\noffline passes\n%s", transform::format_pass_table(offline).c_str());
    std::printf("\ncompile passes\n%s", transform::format_pass_table(compiled->passes).c_str());

    if (!o.json.empty()) {
        nlohmann::json j;
        j["model"] = o.model;
        j["seq"] = o.seq;
        j["threads"] = o.threads;
        j["weights_mb"] = double(weights) / (1 << 20);
        j["peak_rss_mb"] = double(table.peak_kb()) / mb;
        j["load_s"] = load_s;
        j["compile_s"] = compile_s;
        j["first_inference_s"] = first_s;
        j["second_inference_s"] = second_s;
        j["arena_mb"] = double(session.arena_bytes()) / (1 << 20);
        for (const auto& s : st)
            j["stages"].push_back({{"name", s.name}, {"rss_mb", s.memory.rss_kb / mb}, {"anon_mb", s.memory.anon_kb / mb},
                                   {"file_mb", s.memory.file_kb / mb}, {"swap_mb", s.memory.swap_kb / mb}, {"seconds", s.seconds}});
        auto passes = [&](const std::vector<transform::PassRecord>& rs) {
            nlohmann::json a = nlohmann::json::array();
            for (const auto& r : rs)
                a.push_back({{"name", r.name}, {"seconds", r.seconds}, {"nodes_changed", r.nodes_changed}, {"nodes_after", r.nodes_after},
                             {"rss_before_mb", r.rss_before_kb / mb}, {"rss_after_mb", r.rss_after_kb / mb}, {"peak_mb", r.peak_kb / mb}});
            return a;
        };
        j["offline_passes"] = passes(offline);
        j["compile_passes"] = passes(compiled->passes);
        std::ofstream f(o.json);
        if (!f) fail(o.json + ": cannot create");
        f << j.dump(2) << "\n";
    }
}

void add_profile(CLI::App& app) {
    auto* cmd = app.add_subcommand("profile", "Load, compile and run a model twice; print memory and time per stage and per pass");
    auto o = std::make_shared<ProfileOptions>();
    cmd->add_option("MODEL", o->model, "model file (.onnx, .xml, or a compiled .frugal)")->required();
    cmd->add_option("--seq", o->seq, "length for dynamic sequence dims (default 32)");
    cmd->add_option("--threads", o->threads, "kernel threads (default: all cores)");
    cmd->add_option("--json", o->json, "also write the figures as JSON");
    cmd->callback([o] { profile_model(*o); });
}

}  // namespace frugal::cli
