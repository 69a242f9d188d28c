// The words Pesan says, per language, from config/texts.<lang>.toml: "section.key" ->
// template with {placeholders}. Loaded once at start; immutable and shared between threads.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/result.h"

namespace pesan {

class Texts {
 public:
  static constexpr const char* kLanguages[] = {"id", "en"};

  // Parses one language's TOML; `origin` names the file in error messages. With `known_only`,
  // a key this language does not have yet is an error naming its line (a misspelt override
  // would otherwise be ignored without a word).
  Status Load(std::string_view lang, std::string_view toml, std::string_view origin,
              bool known_only = false);
  // The built-in texts of every language, each optionally overridden from `dir`
  // ("<dir>/texts.<lang>.toml", when that file exists; a `dir` that does not exist or holds
  // neither file is an error, and so is an override with a {placeholder} the built-in texts of
  // its name never use, since nothing would fill it, or with a '{' that no '}' closes). An
  // override that no longer fits, with typical values filled in, is added to `warnings` with its
  // file and line: an SMS text over one segment (sent as several SMS), a USSD text that makes a
  // screen it is on longer than the menus send (the phone shows that screen cut). It costs more,
  // but it is the shop's choice.
  static Result<std::shared_ptr<const Texts>> LoadDefault(
      const std::string& dir = "", std::vector<std::string>* warnings = nullptr);

  // A shop's own texts of one language ("id", "en"): the TOML of its texts.<lang>.toml, and the
  // name of that file for messages.
  struct Override {
    std::string lang;
    std::string toml;
    std::string origin;
  };
  // The built-in texts with `overrides` laid over them, checked and warned about as LoadDefault
  // says; reads no file (LoadDefault reads the folder, then calls this).
  static Result<std::shared_ptr<const Texts>> WithOverrides(
      const std::vector<Override>& overrides, std::vector<std::string>* warnings = nullptr);

  // The template, falling back to Indonesian, then to the key itself (so a missing text shows).
  std::string_view Get(std::string_view lang, std::string_view key) const;
  // The template with {name} replaced by values; unknown placeholders stay as written.
  std::string Format(
      std::string_view lang, std::string_view key,
      std::initializer_list<std::pair<std::string_view, std::string_view>> values) const;

  static bool IsLanguage(std::string_view lang);
  // Every key of a language ("ussd.menu", ...), for checks over all texts.
  std::vector<std::string> Keys(std::string_view lang) const;

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };
  using Table = std::unordered_map<std::string, std::string, KeyHash, std::equal_to<>>;
  // Adds to `warnings` what no longer fits of the overrides of `lang` read from `toml` (already
  // loaded into these texts); `builtin` are the texts before any override.
  void WarnOverlong(const Texts& builtin, std::string_view lang, std::string_view toml,
                    const std::string& origin, std::vector<std::string>& warnings) const;
  // language -> "ussd.menu" -> template; looked up by string_view, without building a key.
  std::map<std::string, Table, std::less<>> texts_;
};

// Replaces {name} placeholders in `tmpl`. A value ending with '.' (a sentence, or a text cut with
// "...") takes the place of a '.' right after its placeholder: "{address}. HP" never reads "..
// HP" or ".... HP".
std::string Substitute(std::string_view tmpl,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> values);
// A template with typical values, a little on the long side, in place of its placeholders: how
// long its message will be.
std::string FillTypical(std::string_view tmpl);

}  // namespace pesan
