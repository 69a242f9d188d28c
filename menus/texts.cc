#include "menus/texts.h"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/embedded.h"
#include "core/gsm_text.h"
#include "menus/ussd/ussd_menu.h"

namespace pesan {

bool Texts::IsLanguage(std::string_view lang) {
  for (const char* l : kLanguages) {
    if (lang == l) return true;
  }
  return false;
}

Status Texts::Load(std::string_view lang, std::string_view toml_text, std::string_view origin,
                   bool known_only) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    return InvalidInput(std::string(origin) + ":" + std::to_string(e.source().begin.line) + ": " +
                        std::string(e.description()));
  }
  for (const auto& [section, node] : root) {
    const auto* table = node.as_table();
    if (!table) {
      return InvalidInput(std::string(origin) + ":" + std::to_string(node.source().begin.line) +
                          ": '" + std::string(section.str()) + "' must be a [section]");
    }
    for (const auto& [key, value] : *table) {
      const auto* s = value.as_string();
      if (!s) {
        return InvalidInput(std::string(origin) + ":" + std::to_string(value.source().begin.line) +
                            ": " + std::string(key.str()) + " must be a string");
      }
      auto& table = texts_[std::string(lang)];
      const std::string name = std::string(section.str()) + "." + std::string(key.str());
      if (known_only && table.find(name) == table.end()) {
        return InvalidInput(std::string(origin) + ":" + std::to_string(key.source().begin.line) +
                            ": unknown text '" + std::string(key.str()) + "' in [" +
                            std::string(section.str()) + "] (see the built-in texts." +
                            std::string(lang) + ".toml for the names)");
      }
      table[name] = s->get();
    }
  }
  return Ok{};
}

namespace {

// The overrides in `toml` (already loaded) that no longer fit their medium.
void WarnOverlong(std::string_view toml, const std::string& origin,
                  std::vector<std::string>& warnings) {
  const toml::table root = toml::parse(toml, origin);
  for (const auto& [section, node] : root) {
    const bool sms = section.str() == "sms", ussd = section.str() == "ussd";
    if (!sms && !ussd) continue;
    for (const auto& [key, value] : *node.as_table()) {
      const std::string& text = value.as_string()->get();
      const std::string where = origin + ":" + std::to_string(key.source().begin.line) + ": " +
                                std::string(section.str()) + "." + std::string(key.str());
      if (sms) {
        const SegmentInfo info = CountSegments(ToGsmFriendly(text));
        if (info.segments > 1) {
          warnings.push_back(where + " is " + std::to_string(info.segments) +
                             " SMS segments long (one holds 160 GSM-7 characters)");
        }
      } else if (size_t chars = ussd::CharCount(text); chars > 182) {
        warnings.push_back(where + " is " + std::to_string(chars) +
                           " characters: a USSD screen holds 182 and it will be cut");
      }
    }
  }
}

}  // namespace

Result<std::shared_ptr<const Texts>> Texts::LoadDefault(const std::string& dir,
                                                        std::vector<std::string>* warnings) {
  auto texts = std::make_shared<Texts>();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
    return NotFound("texts folder '" + dir + "' does not exist (set by [gateway] texts)");
  }
  int overrides = 0;
  for (const char* lang : kLanguages) {
    std::string name = std::string("texts.") + lang + ".toml";
    auto builtin = EmbeddedFile(name);
    if (!builtin) return Internal("built-in " + name + " missing");
    if (auto st = texts->Load(lang, *builtin, name); !st) return st.error();
    if (!dir.empty()) {
      std::filesystem::path path = std::filesystem::path(dir) / name;
      std::ifstream in(path);
      if (in) {
        ++overrides;
        std::stringstream ss;
        ss << in.rdbuf();
        if (auto st = texts->Load(lang, ss.str(), path.string(), /*known_only=*/true); !st) {
          return st.error();
        }
        if (warnings) WarnOverlong(ss.str(), path.string(), *warnings);
      }
    }
  }
  if (!dir.empty() && overrides == 0) {
    return NotFound("texts folder '" + dir + "' holds no texts.id.toml or texts.en.toml");
  }
  return std::shared_ptr<const Texts>(std::move(texts));
}

std::vector<std::string> Texts::Keys(std::string_view lang) const {
  std::vector<std::string> keys;
  if (auto table = texts_.find(lang); table != texts_.end()) {
    for (const auto& [key, text] : table->second) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string_view Texts::Get(std::string_view lang, std::string_view key) const {
  if (auto table = texts_.find(lang); table != texts_.end()) {
    if (auto it = table->second.find(key); it != table->second.end()) return it->second;
  }
  if (lang != "id") return Get("id", key);
  return key;
}

std::string Texts::Format(
    std::string_view lang, std::string_view key,
    std::initializer_list<std::pair<std::string_view, std::string_view>> values) const {
  return Substitute(Get(lang, key), values);
}

std::string Substitute(
    std::string_view tmpl,
    std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t open = tmpl.find('{', i);
    if (open == std::string_view::npos) break;
    size_t close = tmpl.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(tmpl, i, open - i);
    std::string_view name = tmpl.substr(open + 1, close - open - 1);
    bool found = false;
    for (const auto& [k, v] : values) {
      if (k == name) {
        out.append(v);
        found = true;
        break;
      }
    }
    if (!found) out.append(tmpl, open, close - open + 1);
    i = close + 1;
  }
  out.append(tmpl.substr(i));
  return out;
}

}  // namespace pesan
