// Files of config/ built into the binary, so that `pesan serve` runs the demo shop with no
// files at all: the demo config, its catalog and the message texts.
#pragma once

#include <optional>
#include <string_view>

namespace pesan {

// The file's bytes by its name in config/ ("demo.toml", "texts.id.toml"), or nullopt.
std::optional<std::string_view> EmbeddedFile(std::string_view name);

}  // namespace pesan
