// Money is whole rupiah in an int64. Indonesia writes thousands with dots: Rp65.000.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pesan {

using Rupiah = std::int64_t;

// "Rp65.000"; negative amounts as "-Rp5.000".
std::string FormatRupiah(Rupiah amount);

// Reads what a manager types or a spreadsheet writes: "65000", "65.000", "Rp 65.000",
// "Rp65.000,-", "65,000". Whole rupiah only; at most 999,999,999,999.
Result<Rupiah> ParseRupiah(std::string_view text);

}  // namespace pesan
