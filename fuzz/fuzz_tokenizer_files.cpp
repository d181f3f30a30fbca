// Tokenizer from vocab.json + merges.txt ("<vocab.json>\0<merges.txt>"), then a round trip of a
// fixed text through it: a tokenizer that loads must encode and decode without crashing.
#include <cstdint>

#include "fuzz_util.h"
#include "generate/tokenizer.h"
#include "ir/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto [vocab, merges] = frugal::fuzz::split_at_nul(data, size);
    auto vocab_path = frugal::fuzz::write_file("vocab.json", vocab);
    auto merges_path = frugal::fuzz::write_file("merges.txt", merges);
    try {
        auto tok = frugal::generate::Tokenizer::from_files(vocab_path, merges_path);
        auto ids = tok.encode("Hello world, <|endoftext|> caf\xc3\xa9 123!");
        tok.decode(ids);
    } catch (const frugal::Error&) {
    }
    return 0;
}
