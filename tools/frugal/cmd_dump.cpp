#include <cstdio>

#include "commands.h"
#include "frontend/read_model.h"
#include "ir/dump.h"

namespace frugal::cli {

void add_dump(CLI::App& app) {
    auto* cmd = app.add_subcommand("dump", "Print a model's graph as text");
    auto model = std::make_shared<std::string>();
    cmd->add_option("MODEL", *model, "model file (.onnx)")->required();
    cmd->callback([model] { std::fputs(dump_model(read_model(*model)).c_str(), stdout); });
}

}  // namespace frugal::cli
