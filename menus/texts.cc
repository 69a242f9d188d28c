#include "menus/texts.h"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/embedded.h"
#include "core/gsm_text.h"
#include "core/text_util.h"
#include "core/toml_syntax.h"
#include "menus/ussd/ussd_menu.h"

namespace pesan {
namespace {

// Texts a shop's override file may still name from an earlier version, and why they are gone:
// such a line is passed over with a warning instead of stopping the gateway after an upgrade.
struct Retired {
  const char* name;
  const char* why;
};
constexpr const char* kReportNouns =
    "the managers' report now writes its counts with the noun of its texts";
constexpr Retired kRetired[] = {
    {"sms.count_orders", kReportNouns},
    {"sms.count_orders_one", kReportNouns},
};

const Retired* FindRetired(std::string_view name) {
  for (const auto& r : kRetired) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

}  // namespace

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
                        TomlSyntaxError(toml_text, e.description(), e.source().begin.line,
                                        e.source().begin.column));
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
      if (known_only && FindRetired(name)) continue;  // WithOverrides warns about it
      if (known_only && table.find(name) == table.end()) {
        return InvalidInput(std::string(origin) + ":" + std::to_string(key.source().begin.line) +
                            ": unknown text '" + std::string(key.str()) + "' in [" +
                            std::string(section.str()) + "] (see the built-in texts." +
                            std::string(lang) + ".toml for the names)");
      }
      // An empty override would send an empty SMS or show a blank screen (and cost the same).
      if (known_only && Trim(s->get()).empty()) {
        return InvalidInput(std::string(origin) + ":" + std::to_string(key.source().begin.line) +
                            ": " + name + " is empty; delete the line to keep the built-in text");
      }
      table[name] = s->get();
    }
  }
  return Ok{};
}

namespace {

// The {placeholders} of a template, as Substitute reads them.
std::set<std::string, std::less<>> Placeholders(std::string_view tmpl) {
  std::set<std::string, std::less<>> names;
  for (size_t open = tmpl.find('{'); open != std::string_view::npos;) {
    const size_t close = tmpl.find('}', open);
    if (close == std::string_view::npos) break;
    names.emplace(tmpl.substr(open + 1, close - open - 1));
    open = tmpl.find('{', close + 1);
  }
  return names;
}

std::string List(const std::set<std::string, std::less<>>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "{" : ", {") + name + "}";
  return out.empty() ? "none" : out;
}

// The first '{' of a template that no '}' closes before the next '{' or the end, as written from
// there to the end of its word ("{nama", "{nama {total}"); empty when every '{' is closed.
std::string_view Unclosed(std::string_view tmpl) {
  for (size_t open = tmpl.find('{'); open != std::string_view::npos;
       open = tmpl.find('{', open + 1)) {
    const size_t next = tmpl.find_first_of("{}", open + 1);
    if (next == std::string_view::npos || tmpl[next] == '{') {
      const size_t end = tmpl.find_first_of(" \n", open + 1);
      return tmpl.substr(open, std::min(end, next) - open);
    }
  }
  return {};
}

// Every override in `toml` (already loaded) closes each '{' it opens and uses only placeholders
// that its name's built-in texts use: any other would reach the customer as written.
Status CheckPlaceholders(
    std::string_view toml, const std::string& origin,
    const std::map<std::string, std::set<std::string, std::less<>>, std::less<>>& used) {
  const toml::table root = toml::parse(toml, origin);
  for (const auto& [section, node] : root) {
    for (const auto& [key, value] : *node.as_table()) {
      const std::string name = std::string(section.str()) + "." + std::string(key.str());
      if (FindRetired(name)) continue;
      const std::string& text = value.as_string()->get();
      if (const std::string_view open = Unclosed(text); !open.empty()) {
        return InvalidInput(origin + ":" + std::to_string(key.source().begin.line) + ": " + name +
                            ": the '{' of \"" + std::string(open) +
                            "\" is not closed (a placeholder is written {name}, with its '}')");
      }
      const auto& known = used.at(name);
      for (const auto& p : Placeholders(text)) {
        if (known.count(p)) continue;
        return InvalidInput(
            origin + ":" + std::to_string(key.source().begin.line) + ": " + name + " uses {" + p +
            "}, which is never filled in for this text (it can use: " + List(known) + ")");
      }
    }
  }
  return Ok{};
}

}  // namespace

std::string FillTypical(std::string_view tmpl) {
  return Substitute(tmpl, {{"shop", "BUMDes Maju Bersama"},
                           {"order", "1234"},
                           {"items", "2x Beras 5kg, 1x Minyak goreng 1L"},
                           {"total", "Rp148.000"},
                           {"address", "Jl Mawar 3 RT02 dekat masjid"},
                           {"phone", "085766660001"},
                           {"status", "Diterima"},
                           {"code", "B1"},
                           {"name", "Gula Aren 1kg"},
                           {"price", "Rp65.000"},
                           {"stock", "120"},
                           {"max", "120"},
                           {"unit", "/karung"},
                           {"reason", ": di luar area antar"},
                           {"usage", "TOLAK 123 alasan"},
                           {"orders", "12"},
                           {"waiting", " Baru, menunggu OK: 3 pesanan."},
                           {"query", "minyak goreng"},
                           {"revenue", "Rp1.250.000"},
                           {"top", "14x Beras 5kg, 9x LPG 3kg"},
                           {"count", "3"},
                           {"n", "1"},
                           {"product", "B1"},
                           {"info", "Desa Sukamaju"},
                           {"minutes", "60"},
                           {"time", "28/11 14:05"},
                           {"next", "MENU beras 2"},
                           {"qty", "12"},
                           {"page", "1"},
                           {"pages", "3"},
                           {"matches", "B1 Beras 5kg Rp65.000, B2 Beras merah 5kg Rp80.000"},
                           {"example", "HARGA B1 65000"},
                           {"old", "Rp65.000"}});
}

void Texts::WarnOverlong(const Texts& builtin, std::string_view lang, std::string_view toml,
                         const std::string& origin, std::vector<std::string>& warnings) const {
  const size_t max_chars = ussd::Limits{}.max_chars;
  std::vector<ussd::SampleScreen> screens;  // with every override, built when first needed
  const toml::table root = toml::parse(toml, origin);
  for (const auto& [section, node] : root) {
    const bool sms = section.str() == "sms", ussd = section.str() == "ussd";
    if (!sms && !ussd) continue;
    for (const auto& [key, value] : *node.as_table()) {
      const std::string name = std::string(section.str()) + "." + std::string(key.str());
      const std::string where =
          origin + ":" + std::to_string(key.source().begin.line) + ": " + name;
      const std::string& text = value.as_string()->get();
      if (text == builtin.Get(lang, name)) continue;  // a copy of the built-in text fits
      const std::string filled = FillTypical(text);
      if (sms) {
        const SegmentInfo info = CountSegments(ToGsmFriendly(filled));
        if (info.segments > 1) {
          warnings.push_back(
              where + " is sent as " + std::to_string(info.segments) +
              " SMS with typical values filled in (" +
              (info.coding == SmsCoding::kGsm7
                   ? std::string("one SMS holds 160 GSM-7 characters)")
                   : std::string("it has characters outside GSM-7, so one SMS holds 70)")));
        }
        continue;
      }
      // The screens this text is on are those that change when it is the built-in one again.
      if (screens.empty()) screens = ussd::SampleScreens(*this, lang);
      Texts without = *this;
      without.texts_[std::string(lang)][name] = std::string(builtin.Get(lang, name));
      const std::vector<ussd::SampleScreen> before = ussd::SampleScreens(without, lang);
      // Of those, the longest one that is over the limit, and longer than it was.
      const ussd::SampleScreen* longest = nullptr;
      bool shown = false;
      for (size_t i = 0; i < screens.size(); ++i) {
        if (screens[i].screen == before[i].screen) continue;
        shown = true;
        const size_t chars = ussd::CharCount(screens[i].screen);
        if (chars > max_chars && chars > ussd::CharCount(before[i].screen) &&
            (!longest || chars > ussd::CharCount(longest->screen))) {
          longest = &screens[i];
        }
      }
      if (longest) {
        warnings.push_back(where + " makes the '" + longest->name + "' screen " +
                           std::to_string(ussd::CharCount(longest->screen)) +
                           " characters with typical values: a USSD screen holds " +
                           std::to_string(max_chars) +
                           ", so the phone shows it cut, without its last lines");
      } else if (size_t chars = ussd::CharCount(filled); !shown && chars > max_chars) {
        warnings.push_back(where + " is " + std::to_string(chars) +
                           " characters with typical values: a USSD screen holds " +
                           std::to_string(max_chars) + ", so the phone shows it cut");
      }
    }
  }
}

Result<std::shared_ptr<const Texts>> Texts::LoadDefault(const std::string& dir,
                                                        std::vector<std::string>* warnings) {
  std::vector<Override> overrides;
  if (!dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      return NotFound("texts folder '" + dir + "' does not exist (set by [gateway] texts)");
    }
    for (const char* lang : kLanguages) {
      const std::filesystem::path path =
          std::filesystem::path(dir) / (std::string("texts.") + lang + ".toml");
      std::ifstream in(path);
      if (!in) continue;
      std::stringstream ss;
      ss << in.rdbuf();
      overrides.push_back({lang, ss.str(), path.string()});
    }
    if (overrides.empty()) {
      return NotFound("texts folder '" + dir + "' holds no texts.id.toml or texts.en.toml");
    }
  }
  return WithOverrides(overrides, warnings);
}

Result<std::shared_ptr<const Texts>> Texts::WithOverrides(const std::vector<Override>& overrides,
                                                          std::vector<std::string>* warnings) {
  auto texts = std::make_shared<Texts>();
  for (const char* lang : kLanguages) {
    std::string name = std::string("texts.") + lang + ".toml";
    auto builtin = EmbeddedFile(name);
    if (!builtin) return Internal("built-in " + name + " missing");
    if (auto st = texts->Load(lang, *builtin, name); !st) return st.error();
  }
  if (overrides.empty()) return std::shared_ptr<const Texts>(std::move(texts));

  const Texts builtin = *texts;
  // The placeholders each text may use: those of its built-in texts, in either language.
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> used;
  for (const auto& [lang, table] : builtin.texts_) {
    for (const auto& [key, text] : table) used[key].merge(Placeholders(text));
  }
  for (const Override& o : overrides) {
    if (!IsLanguage(o.lang)) {
      return InvalidInput(o.origin + ": no texts of language '" + o.lang + "'");
    }
    if (auto st = texts->Load(o.lang, o.toml, o.origin, /*known_only=*/true); !st) {
      return st.error();
    }
    if (auto st = CheckPlaceholders(o.toml, o.origin, used); !st) return st.error();
    // A text with a singular form ("sms.manager_report_one", for a count of 1) that the shop
    // wrote only in its plural form is the shop's words for every count: one text where the
    // language (or the shop) has one form.
    auto& table = texts->texts_[o.lang];
    for (auto& [key, text] : table) {
      if (key.ends_with("_one") || text == builtin.Get(o.lang, key)) continue;
      const std::string one = key + "_one";
      auto it = table.find(one);
      if (it != table.end() && it->second == builtin.Get(o.lang, one)) it->second = text;
    }
    if (warnings) {
      const toml::table root = toml::parse(o.toml, o.origin);
      for (const auto& [section, node] : root) {
        for (const auto& [key, value] : *node.as_table()) {
          const std::string name = std::string(section.str()) + "." + std::string(key.str());
          if (const Retired* r = FindRetired(name)) {
            warnings->push_back(o.origin + ":" + std::to_string(key.source().begin.line) + ": " +
                                name + " is no longer used (" + r->why + "); the line can go");
          }
        }
      }
      texts->WarnOverlong(builtin, o.lang, o.toml, o.origin, *warnings);
    }
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
    const std::pair<std::string_view, std::string_view>* value = nullptr;
    for (const auto& pair : values) {
      if (pair.first == name) {
        value = &pair;
        break;
      }
    }
    i = close + 1;
    if (value == nullptr) {
      out.append(tmpl, open, close - open + 1);
      continue;
    }
    out.append(value->second);
    // A value that ends with a full stop or an ellipsis ("dekat masjid...", cut to fit) ends the
    // template's sentence too: "{address}. HP" does not make "masjid.... HP".
    if (value->second.ends_with('.') && i < tmpl.size() && tmpl[i] == '.') ++i;
  }
  out.append(tmpl.substr(i));
  return out;
}

}  // namespace pesan
