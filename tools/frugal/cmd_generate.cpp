// frugal generate: prefill the prompt, then decode one token at a time, printing tokens as they
// come. Text goes through the GPT-2 tokenizer found beside the model (or --tokenizer); without
// one, ids go in and out.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "commands.h"
#include "compile/compile.h"
#include "compile/compiled_file.h"
#include "frontend/read_model.h"
#include "generate/generate.h"
#include "generate/sampling.h"
#include "generate/tokenizer.h"
#include "ir/error.h"
#include "profile/memory.h"
#include "transform/offline.h"

namespace frugal::cli {

struct GenerateCliOptions {
    std::string model;
    std::string prompt;
    std::string prompt_ids;
    std::string tokenizer;
    int64_t max_new_tokens = 32;
    bool greedy = false;
    double temperature = 0;  // 0: not given
    int top_k = 0;
    double top_p = 1.0;
    uint64_t seed = 0;
    int threads = 0;
    std::string json;
    bool time_ops = false;
};

static std::vector<int64_t> parse_ids(const std::string& text) {
    std::vector<int64_t> ids;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        size_t used = 0;
        int64_t v = 0;
        try {
            v = std::stoll(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != item.size()) fail("--prompt-ids takes comma-separated integers, got '" + item + "'");
        ids.push_back(v);
    }
    return ids;
}

static double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

static void generate_text(const GenerateCliOptions& o) {
    if (o.prompt.empty() == o.prompt_ids.empty()) fail("give exactly one of --prompt TEXT and --prompt-ids 1,2,3");
    std::optional<generate::Tokenizer> tokenizer;
    if (!o.prompt.empty() || !o.tokenizer.empty()) tokenizer = generate::find_tokenizer(o.model, o.tokenizer);
    std::vector<int64_t> prompt;
    if (!o.prompt.empty()) {
        for (generate::TokenId id : tokenizer->encode(o.prompt)) prompt.push_back(id);
    } else {
        prompt = parse_ids(o.prompt_ids);
    }
    if (tokenizer)
        for (int64_t id : prompt)
            if (id < 0 || id >= tokenizer->vocab_size())
                fail("prompt id " + std::to_string(id) + " is outside the tokenizer's vocabulary of " + std::to_string(tokenizer->vocab_size()));

    std::shared_ptr<const compile::CompiledModel> compiled;
    generate::DecoderInterface decoder;
    if (compile::is_compiled_file(o.model)) {
        compiled = compile::load_compiled(o.model, o.threads);
        decoder = generate::describe_decoder(compiled->model);
    } else {
        Model model = read_model(o.model);
        decoder = generate::describe_decoder(model);
        transform::offline(model);
        compile::CompileOptions co;
        co.threads = o.threads;
        compiled = compile::compile_model(std::move(model), co);
    }
    if (decoder.cache.empty())
        std::fprintf(stderr, "frugal: %s has no KV cache (no past_key_values.* inputs): every token recomputes the whole sequence\n",
                     o.model.c_str());

    generate::SamplingOptions so;
    so.greedy = o.greedy || o.temperature == 0;
    so.temperature = o.temperature == 0 ? 1.0 : o.temperature;
    so.top_k = o.top_k;
    so.top_p = o.top_p;
    so.seed = o.seed;
    auto sampler = std::make_shared<generate::Sampler>(so);
    generate::GenerateOptions go;
    go.max_new_tokens = o.max_new_tokens;
    go.time_ops = o.time_ops;
    go.choose_next = [sampler](std::span<const float> logits) { return int64_t(sampler->next(logits)); };

    if (tokenizer) std::fputs(o.prompt.empty() ? "" : o.prompt.c_str(), stdout);
    std::fflush(stdout);
    auto print_token = [&](int64_t id) {
        if (tokenizer && id >= 0 && id < tokenizer->vocab_size()) std::fputs(tokenizer->decode_token(generate::TokenId(id)).c_str(), stdout);
        else std::printf(" %lld", static_cast<long long>(id));
        std::fflush(stdout);
    };
    generate::GenerateResult r = generate::run_generate(compiled, decoder, prompt, go, print_token);
    std::printf("\n");
    if (!r.cache_note.empty()) std::fprintf(stderr, "frugal: %s\n", r.cache_note.c_str());
    if (o.time_ops && !r.decode_step_s.empty()) {
        // Largest first: where a decode step's milliseconds go.
        std::vector<std::pair<double, std::string>> rows;
        double total = 0;
        for (const auto& [op, secs] : r.decode_op_seconds) {
            rows.push_back({secs, op});
            total += secs;
        }
        std::sort(rows.rbegin(), rows.rend());
        double steps = double(r.decode_step_s.size());
        std::fprintf(stderr, "%-36s %12s %7s\n", "op [kernel] over the decode steps", "ms/token", "share");
        for (const auto& [secs, op] : rows)
            std::fprintf(stderr, "%-36s %12.3f %6.1f%%\n", op.c_str(), secs / steps * 1e3, total > 0 ? 100 * secs / total : 0);
        std::fprintf(stderr, "%-36s %12.3f\n", "all ops", total / steps * 1e3);
    }
    double decode_ms = median(r.decode_step_s) * 1e3;
    std::fprintf(stderr, "frugal: %zu prompt tokens, %zu new; first token %.3f s, decode %.2f ms/token (median)%s\n", prompt.size(),
                 r.new_ids.size(), r.time_to_first_token_s, decode_ms, r.cached ? "" : ", without a cache");
    if (!o.json.empty()) {
        nlohmann::json j;
        j["prompt_tokens"] = prompt.size();
        j["new_tokens"] = r.new_ids.size();
        j["ids"] = r.new_ids;
        j["prompt_ids"] = prompt;
        j["cached"] = r.cached;
        j["cache_in_place"] = r.cache_in_place;
        j["time_to_first_token_s"] = r.time_to_first_token_s;
        j["decode_ms_per_token"] = decode_ms;
        j["peak_rss_mb"] = double(profile::sample_memory().peak_kb) / 1024.0;
        if (tokenizer) {
            std::vector<generate::TokenId> ids(r.new_ids.begin(), r.new_ids.end());
            j["text"] = tokenizer->decode(ids);
        }
        std::ofstream f(o.json);
        if (!f) fail(o.json + ": cannot create");
        f << j.dump(2) << "\n";
    }
}

void add_generate(CLI::App& app) {
    auto* cmd = app.add_subcommand("generate", "Generate tokens with a decoder model (a KV cache when the model has one)");
    auto o = std::make_shared<GenerateCliOptions>();
    cmd->add_option("MODEL", o->model, "model file (.onnx or .xml)")->required();
    cmd->add_option("--prompt", o->prompt, "prompt text (needs a tokenizer beside the model or --tokenizer)");
    cmd->add_option("--prompt-ids", o->prompt_ids, "prompt as comma-separated token ids");
    cmd->add_option("--tokenizer", o->tokenizer, "tokenizer.json, or a folder with vocab.json and merges.txt");
    cmd->add_option("--max-new-tokens", o->max_new_tokens, "tokens to generate (default 32)");
    cmd->add_flag("--greedy", o->greedy, "always take the most likely token (the default without --temperature)");
    cmd->add_option("--temperature", o->temperature, "sample at this temperature (> 0)");
    cmd->add_option("--top-k", o->top_k, "sample among the k most likely tokens (0: all)");
    cmd->add_option("--top-p", o->top_p, "sample among the fewest tokens whose probability adds up to p");
    cmd->add_option("--seed", o->seed, "seed of the sampler");
    cmd->add_option("--threads", o->threads, "kernel threads (default: all cores)");
    cmd->add_option("--json", o->json, "also write ids, timings and peak RSS as JSON");
    cmd->add_flag("--time-ops", o->time_ops, "print the time per op (and kernel) over the decode steps");
    cmd->callback([o] { generate_text(*o); });
}

}  // namespace frugal::cli
