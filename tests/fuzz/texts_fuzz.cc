// Texts::WithOverrides on arbitrary bytes as a shop's texts.id.toml: never crashes; a refused
// file gets a message naming the file and its line, and accepted texts close every '{' they open
// and are warned about with the file and line of the text.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "menus/texts.h"

namespace {

constexpr std::string_view kOrigin = "texts.id.toml";

// "texts.id.toml:<line>: ..." with a line from 1.
bool NamesFileAndLine(std::string_view message) {
  if (!message.starts_with(kOrigin) || message.size() < kOrigin.size() + 2) return false;
  message.remove_prefix(kOrigin.size());
  if (message[0] != ':' || message[1] < '1' || message[1] > '9') return false;
  const size_t colon = message.find(':', 1);
  return colon != std::string_view::npos &&
         message.substr(1, colon - 1).find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string toml(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> warnings;
  auto texts = pesan::Texts::WithOverrides({{"id", toml, std::string(kOrigin)}}, &warnings);
  if (!texts.ok()) {
    if (!NamesFileAndLine(texts.error().message)) std::abort();
    return 0;
  }
  for (const auto& warning : warnings) {
    if (!NamesFileAndLine(warning)) std::abort();
  }
  for (const char* lang : pesan::Texts::kLanguages) {
    for (const auto& key : (*texts)->Keys(lang)) {
      // Every placeholder is closed before the next one opens, so none reaches a customer half
      // written.
      const std::string_view text = (*texts)->Get(lang, key);
      for (size_t open = text.find('{'); open != std::string_view::npos;
           open = text.find('{', open + 1)) {
        const size_t next = text.find_first_of("{}", open + 1);
        if (next == std::string_view::npos || text[next] != '}') std::abort();
      }
      (void)pesan::FillTypical(text);
    }
  }
  return 0;
}
