// Stand-in for libFuzzer's main when the fuzz targets are built without -fsanitize=fuzzer:
// replays every file of the corpus folders given as arguments, then feeds deterministic
// mutations of them (bit flips, truncations, splices, random bytes) so each target runs
// thousands of hostile inputs under ASan/UBSan in the ordinary test suite.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  std::vector<std::vector<uint8_t>> corpus;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    if (!std::filesystem::is_directory(argv[i], ec)) continue;
    for (const auto& e : std::filesystem::directory_iterator(argv[i])) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  for (const auto& c : corpus) LLVMFuzzerTestOneInput(c.data(), c.size());
  std::mt19937_64 rng(0x7265367374);  // fixed seed: failures reproduce
  const int rounds = 4000;
  for (int r = 0; r < rounds; ++r) {
    std::vector<uint8_t> d;
    if (!corpus.empty() && rng() % 8 != 0) d = corpus[rng() % corpus.size()];
    switch (rng() % 5) {
      case 0:  // random bytes
        d.resize(rng() % 512);
        for (auto& b : d) b = static_cast<uint8_t>(rng());
        break;
      case 1:  // bit flips
        for (int k = 0, n = 1 + rng() % 8; k < n && !d.empty(); ++k)
          d[rng() % d.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 2:  // truncation
        if (!d.empty()) d.resize(rng() % d.size());
        break;
      case 3:  // splice with another corpus entry
        if (!corpus.empty()) {
          const auto& o = corpus[rng() % corpus.size()];
          size_t cut = d.empty() ? 0 : rng() % d.size();
          d.resize(cut);
          if (!o.empty()) d.insert(d.end(), o.begin() + rng() % o.size(), o.end());
        }
        break;
      default:  // byte overwrite with boundary values
        for (int k = 0, n = 1 + rng() % 4; k < n && !d.empty(); ++k) {
          static const uint8_t kVals[] = {0, 1, 0x7f, 0x80, 0xff, 0xfe, '\n', '#', '@', '"'};
          d[rng() % d.size()] = kVals[rng() % sizeof(kVals)];
        }
    }
    LLVMFuzzerTestOneInput(d.data(), d.size());
  }
  std::printf("replayed %zu corpus inputs and %d mutations\n", corpus.size(), rounds);
  return 0;
}
