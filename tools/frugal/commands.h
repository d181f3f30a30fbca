#pragma once
// Each subcommand lives in its own file and adds itself to the app here.
#include <CLI/CLI.hpp>

namespace frugal::cli {

void add_dump(CLI::App& app);
void add_run(CLI::App& app);
void add_convert(CLI::App& app);
void add_profile(CLI::App& app);
void add_make_model(CLI::App& app);
void add_generate(CLI::App& app);
void add_compile(CLI::App& app);

}  // namespace frugal::cli
