// The modem check against the modem emulator over a real pseudo-terminal.
#include "adapters/modem/modem_check.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "tests/adapters/modem/emulator_process.h"

namespace pesan::modem {
namespace {

using testing::EmulatorProcess;
using json = nlohmann::json;

std::shared_ptr<spdlog::logger> NullLogger() {
  return std::make_shared<spdlog::logger>("check", std::make_shared<spdlog::sinks::null_sink_mt>());
}

ModemConfig Config(const EmulatorProcess& emu, std::string pin = "") {
  ModemConfig c;
  c.device = emu.device();
  c.pin = std::move(pin);
  c.command_timeout = std::chrono::seconds(3);
  return c;
}

TEST(ModemCheck, ReportsTheEmulatorsValues) {
  EmulatorProcess emu({"--pin", "1357", "--csq", "17", "--model", "E3131", "--manufacturer",
                       "huawei", "--smsc", "+6281107000", "--storage-size", "25", "--preload",
                       json({{"from", "+6281"}, {"text", "x"}}).dump()});
  auto r = CheckModem(Config(emu, "1357"), NullLogger());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->manufacturer, "huawei");
  EXPECT_EQ(r->model, "E3131");
  EXPECT_EQ(r->sim, SimStatus::kReady);
  EXPECT_TRUE(r->pin_entered);
  EXPECT_EQ(r->registration, 1);
  EXPECT_EQ(r->rssi, 17);
  EXPECT_EQ(r->dbm, -79);
  EXPECT_EQ(r->bars, 4);
  EXPECT_EQ(r->smsc, "+6281107000");
  EXPECT_EQ(r->storage, "SM");
  EXPECT_EQ(r->storage_used, 1);
  EXPECT_EQ(r->storage_total, 25);
  std::string text = FormatModemReport(*r);
  EXPECT_NE(text.find("Modem: huawei E3131"), std::string::npos) << text;
  EXPECT_NE(text.find("SIM: ready (PIN entered)"), std::string::npos) << text;
  EXPECT_NE(text.find("Network: registered (home network)"), std::string::npos) << text;
  EXPECT_NE(text.find("Signal: 4 of 5 bars (-79 dBm)"), std::string::npos) << text;
  EXPECT_NE(text.find("Service centre: +6281107000"), std::string::npos) << text;
  EXPECT_NE(text.find("SIM storage: 1 of 25 messages (SM)"), std::string::npos) << text;
}

TEST(ModemCheck, PinNeededAndPinWrong) {
  EmulatorProcess emu({"--pin", "1357"});
  auto needed = CheckModem(Config(emu), NullLogger());
  ASSERT_TRUE(needed.ok()) << needed.error().message;
  EXPECT_EQ(needed->sim, SimStatus::kPinNeeded);
  EXPECT_EQ(needed->registration, 0);  // a locked SIM does not register
  EXPECT_NE(FormatModemReport(*needed).find("needs a PIN"), std::string::npos);
  auto wrong = CheckModem(Config(emu, "0000"), NullLogger());
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->sim, SimStatus::kPinWrong);
  EXPECT_EQ(wrong->sim_detail, "+CME ERROR 16 (incorrect password)");
  EXPECT_EQ(emu.State()["pin_state"], "SIM PIN");
}

TEST(ModemCheck, WeakSignalAndNoNetwork) {
  EmulatorProcess emu({"--csq", "1", "--creg", "2"});
  auto r = CheckModem(Config(emu), NullLogger());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bars, 0);
  EXPECT_EQ(r->dbm, -111);
  std::string text = FormatModemReport(*r);
  EXPECT_NE(text.find("searching"), std::string::npos) << text;
  EXPECT_NE(text.find("weak"), std::string::npos) << text;
}

TEST(ModemCheck, ErrorsWhenTheDeviceIsMissingOrSilent) {
  ModemConfig c;
  c.device = "/nonexistent/ttyUSB9";
  auto missing = CheckModem(c, NullLogger());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);  // not there, rather than refusing
  EXPECT_NE(missing.error().message.find("/nonexistent/ttyUSB9"), std::string::npos);

  EmulatorProcess emu;
  emu.Call({{"op", "set"}, {"hang", true}});
  auto cfg = Config(emu);
  cfg.command_timeout = std::chrono::milliseconds(300);
  auto silent = CheckModem(cfg, NullLogger());
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.error().code, ErrorCode::kTimeout);
  EXPECT_NE(silent.error().message.find("does not answer"), std::string::npos)
      << silent.error().message;
}

}  // namespace
}  // namespace pesan::modem
