#include <chrono>
#include <cstdio>

#include "commands.h"
#include "frontend/onnx/write_onnx.h"
#include "ir/error.h"
#include "models/keras_gpt2.h"

namespace frugal::cli {

struct MakeModelOptions {
    std::string model;
    std::string size = "tiny";
    uint64_t seed = 0;
    std::string cache = "none";
    std::string output;
    bool external_data = false;
};

static void make_model(const MakeModelOptions& o) {
    if (o.model != "gpt2") fail("unknown model '" + o.model + "' (expected gpt2)");
    auto start = std::chrono::steady_clock::now();
    Gpt2Config config = gpt2_config(o.size);
    Model model = make_keras_gpt2(config, o.seed, o.cache == "kv");
    double built = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    OnnxWriteOptions w;
    w.external_data = o.external_data;
    write_onnx(model, o.output, w);
    double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    int64_t params = gpt2_parameter_count(config);
    std::string notes;
    if (o.cache == "kv") notes += ", kv cache";
    if (o.external_data) notes += ", weights in " + o.output + ".data";
    std::printf("%s: keras-hub GPT-2 %s, %lld parameters (%.1f MB float32), %zu nodes, seed %llu%s; built in %.2f s, written in %.2f s\n",
                o.output.c_str(), o.size.c_str(), static_cast<long long>(params), double(params) * 4 / 1e6,
                model.graph.live_node_count(), static_cast<unsigned long long>(o.seed), notes.c_str(), built, total - built);
}

void add_make_model(CLI::App& app) {
    auto* cmd = app.add_subcommand("make-model", "Write a known model with seeded random weights as ONNX");
    auto o = std::make_shared<MakeModelOptions>();
    cmd->add_option("MODEL", o->model, "which model: gpt2 (the GPT-2 that Keras 3 / keras-hub builds)")->required();
    cmd->add_option("--size", o->size, "tiny, base or medium (default: tiny)")->check(CLI::IsMember({"tiny", "base", "medium"}));
    cmd->add_option("--seed", o->seed, "seed of the random weights (default: 0)");
    cmd->add_option("--cache", o->cache, "kv: take past keys/values and return the present ones (default: none)")
        ->check(CLI::IsMember({"none", "kv"}));
    cmd->add_option("-o,--output", o->output, "the .onnx file to write")->required();
    cmd->add_flag("--external-data", o->external_data, "put the weights in OUT.onnx.data beside the model");
    cmd->callback([o] { make_model(*o); });
}

}  // namespace frugal::cli
