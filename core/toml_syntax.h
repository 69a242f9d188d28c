// Plain words for a syntax error in a TOML file (the config file, a shop's own texts), as the
// operator who wrote it reads them. The TOML parser stays with the callers: this takes its words.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pesan {

// The parser's `description` of a syntax error at `line` and `column` (from 1, columns counting
// characters) of `text`, except for a string that runs to the end of its line or of the file:
// that is a missing closing quote, which the parser words as what it found instead ("unescaped
// control characters", "encountered end-of-file").
std::string TomlSyntaxError(std::string_view text, std::string_view description, size_t line,
                            size_t column);

}  // namespace pesan
