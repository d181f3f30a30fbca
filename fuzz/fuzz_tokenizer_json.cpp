// Tokenizer from a Hugging Face tokenizer.json, then a round trip of a fixed text through it.
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "generate/tokenizer.h"
#include "ir/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto path = frugal::fuzz::write_file("tokenizer.json", {reinterpret_cast<const char*>(data), size});
    try {
        auto tok = frugal::generate::Tokenizer::from_tokenizer_json(path);
        auto ids = tok.encode("Hello world, <|endoftext|> caf\xc3\xa9 123!");
        tok.decode(ids);
    } catch (const frugal::Error&) {
    }
    return 0;
}
