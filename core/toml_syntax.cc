#include "core/toml_syntax.h"

namespace pesan {

std::string TomlSyntaxError(std::string_view text, std::string_view description, size_t line,
                            size_t column) {
  if (description.starts_with("Error while parsing string") ||
      description.starts_with("Error while parsing literal string")) {
    if (description.find("end-of-file") != std::string_view::npos) {
      return "missing closing quote: a string runs to the end of the file";
    }
    // The character at the error: a line end means the string's line ended before its quote.
    size_t pos = 0;
    for (size_t at = 1; at < line && pos != std::string_view::npos; ++at) {
      pos = text.find('\n', pos);
      if (pos != std::string_view::npos) ++pos;
    }
    if (pos != std::string_view::npos) {
      for (size_t at = 1; pos < text.size(); ++pos) {
        if ((static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) continue;
        if (at++ == column) break;
      }
      if (pos >= text.size() || text[pos] == '\n' || text[pos] == '\r') {
        return "missing closing quote: a string on this line runs to the end of the line";
      }
    }
  }
  return std::string(description);
}

}  // namespace pesan
