// A main() for the fuzz targets when they are built without libFuzzer (any compiler, e.g. g++):
// replays the files named on the command line, and every file in the directories named there,
// through LLVMFuzzerTestOneInput. Used by the CTest "fuzz" runs over fuzz/corpus and
// fuzz/regressions; a finding aborts (or is reported by the sanitizers) and fails the test.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool replay(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", file.c_str());
        return false;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A copy of exactly the input's size, so ASan sees any read past the end.
    std::vector<std::uint8_t> exact(bytes.begin(), bytes.end());
    auto* data = exact.empty() ? nullptr : exact.data();
    LLVMFuzzerTestOneInput(data, exact.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t count = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.starts_with("-")) continue;  // libFuzzer flags: ignored here
        const std::filesystem::path path(arg);
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) {
            std::vector<std::filesystem::path> files;
            for (const auto& entry : std::filesystem::directory_iterator(path))
                if (entry.is_regular_file()) files.push_back(entry.path());
            std::sort(files.begin(), files.end());
            for (const auto& f : files) {
                ok = replay(f) && ok;
                ++count;
            }
        } else if (std::filesystem::exists(path, ec)) {
            ok = replay(path) && ok;
            ++count;
        } else {
            std::fprintf(stderr, "no such file or directory: %s\n", arg.c_str());
            ok = false;
        }
    }
    std::printf("%s: replayed %zu inputs\n", argc > 0 ? argv[0] : "fuzz", count);
    return ok ? 0 : 1;
}
