#include "core/refusal_log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

namespace pesan {
namespace {

class RefusalLogTest : public ::testing::Test {
 protected:
  std::vector<std::string> Lines() {
    std::vector<std::string> out;
    for (const auto& m : sink_->last_raw()) out.emplace_back(m.payload.data(), m.payload.size());
    return out;
  }

  ManualClock clock_;
  RefusalLog refusals_{clock_};
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  spdlog::logger log_{"test", sink_};
};

TEST_F(RefusalLogTest, EachCauseOnceAnHourWithTheCountSince) {
  for (int i = 0; i < 10; ++i) {
    refusals_.Refused(log_, "hubtel", "a request", "10.0.0.7", 400, "bad Mobile");
    refusals_.Refused(log_, "hubtel", "a request", "10.0.0.8", 403, "wrong token");
    refusals_.Refused(log_, "sim", "a request", "10.0.0.7", 400, "bad Mobile");
  }
  clock_.Advance(std::chrono::minutes(59));
  refusals_.Refused(log_, "hubtel", "a request", "10.0.0.9", 400, "bad Mobile");
  EXPECT_EQ(Lines(), (std::vector<std::string>{
                         "hubtel: refused a request from 10.0.0.7 with 400: bad Mobile (first for "
                         "this reason; logged at most once an hour)",
                         "hubtel: refused a request from 10.0.0.8 with 403: wrong token (first "
                         "for this reason; logged at most once an hour)",
                         "sim: refused a request from 10.0.0.7 with 400: bad Mobile (first for "
                         "this reason; logged at most once an hour)"}));

  clock_.Advance(std::chrono::minutes(1));
  refusals_.Refused(log_, "hubtel", "a request", "10.0.0.9", 400, "bad Mobile");
  refusals_.Refused(log_, "hubtel", "a request", "10.0.0.9", 400, "bad Mobile");
  ASSERT_EQ(Lines().size(), 4u);
  EXPECT_EQ(Lines().back(),
            "hubtel: refused a request from 10.0.0.9 with 400: bad Mobile (10 more since the last "
            "such line; logged at most once an hour)");
}

TEST_F(RefusalLogTest, TheClientsBytesAreLoggedPrintableAndShort) {
  refusals_.Refused(log_, "kannel", "an MO request", "", 400,
                    "bad\r\nfield\x7f" + std::string(300, 'x'));
  ASSERT_EQ(Lines().size(), 1u);
  const std::string line = Lines()[0];
  EXPECT_EQ(line.rfind("kannel: refused an MO request with 400: bad??field?xxx", 0), 0u) << line;
  EXPECT_NE(line.find(std::string(229, 'x') + "... (first"), std::string::npos) << line;
  EXPECT_EQ(line.find(std::string(230, 'x')), std::string::npos) << line;
}

// A client inventing a new cause on every request gets a line for each of the first
// kMaxCauses, then none, until an hour has passed.
TEST_F(RefusalLogTest, NewCausesPastTheLimitAreNotLogged) {
  for (size_t i = 0; i < RefusalLog::kMaxCauses + 10; ++i) {
    refusals_.Refused(log_, "africastalking", "a request", "", 400,
                      "missing field f" + std::to_string(i));
  }
  EXPECT_EQ(Lines().size(), RefusalLog::kMaxCauses);
  clock_.Advance(RefusalLog::kWindow);
  refusals_.Refused(log_, "africastalking", "a request", "", 400, "missing field g");
  EXPECT_EQ(Lines().size(), RefusalLog::kMaxCauses + 1);
}

}  // namespace
}  // namespace pesan
