#include "core/sms_concat.h"

#include <gtest/gtest.h>

namespace pesan {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const SystemTime kT0 = FromUnixMillis(1'790'000'000'000);

TEST(SmsReassembler, JoinsPartsInAnyOrder) {
  SmsReassembler r;
  const ConcatKey key{"+6281234567890", 42, 3};
  EXPECT_FALSE(r.Add(key, 3, "C", kT0).has_value());
  EXPECT_FALSE(r.Add(key, 1, "A", kT0 + minutes(1)).has_value());
  EXPECT_EQ(r.pending(), 1u);
  auto whole = r.Add(key, 2, "B", kT0 + minutes(2));
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(*whole, "ABC");
  EXPECT_EQ(r.pending(), 0u);
}

TEST(SmsReassembler, IgnoresDuplicatesAndKeepsTheFirstCopy) {
  SmsReassembler r;
  const ConcatKey key{"+62811", 7, 2};
  EXPECT_FALSE(r.Add(key, 1, "first ", kT0).has_value());
  EXPECT_FALSE(r.Add(key, 1, "again ", kT0).has_value());
  EXPECT_EQ(*r.Add(key, 2, "end", kT0), "first end");
  // After completion the same reference starts a new message.
  EXPECT_FALSE(r.Add(key, 2, "x", kT0).has_value());
  EXPECT_EQ(r.pending(), 1u);
}

TEST(SmsReassembler, KeysKeepSendersAndTotalsApart) {
  SmsReassembler r;
  EXPECT_FALSE(r.Add({"+6281", 1, 2}, 1, "a1", kT0).has_value());
  EXPECT_FALSE(r.Add({"+6282", 1, 2}, 1, "b1", kT0).has_value());
  EXPECT_FALSE(r.Add({"+6281", 1, 3}, 1, "c1", kT0).has_value());
  EXPECT_EQ(*r.Add({"+6282", 1, 2}, 2, "b2", kT0), "b1b2");
  EXPECT_EQ(*r.Add({"+6281", 1, 2}, 2, "a2", kT0), "a1a2");
  EXPECT_EQ(r.pending(), 1u);
}

TEST(SmsReassembler, PartsThatCannotBeConcatenatedPassThrough) {
  SmsReassembler r;
  EXPECT_EQ(*r.Add({"+62", 1, 1}, 1, "single", kT0), "single");
  EXPECT_EQ(*r.Add({"+62", 1, 0}, 1, "zero total", kT0), "zero total");
  EXPECT_EQ(*r.Add({"+62", 1, 3}, 0, "seq zero", kT0), "seq zero");
  EXPECT_EQ(*r.Add({"+62", 1, 3}, 4, "seq past", kT0), "seq past");
  EXPECT_EQ(r.pending(), 0u);
}

TEST(SmsReassembler, ExpiresIncompleteMessagesWithGapsMarked) {
  SmsReassembler r;
  const ConcatKey old_key{"+6281", 9, 4};
  const ConcatKey new_key{"+6282", 9, 2};
  r.Add(old_key, 1, "Pesan ", kT0);
  r.Add(old_key, 3, "B1 ", kT0 + minutes(1));
  r.Add(new_key, 1, "fresh", kT0 + hours(5));
  EXPECT_TRUE(r.Expire(kT0 + hours(6), hours(24)).empty());
  auto expired = r.Expire(kT0 + hours(24) + minutes(1), hours(24));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].key, old_key);
  EXPECT_EQ(expired[0].text, "Pesan …B1 …");
  EXPECT_EQ(expired[0].parts_received, 2u);
  EXPECT_EQ(expired[0].first_seen, kT0);
  EXPECT_EQ(r.pending(), 1u);
  // A late part of the expired message starts over rather than completing it.
  EXPECT_FALSE(r.Add(old_key, 2, "2 ", kT0 + hours(25)).has_value());
  EXPECT_EQ(r.pending(), 2u);
}

TEST(SmsReassembler, ExpiredMessagesComeOldestFirst) {
  SmsReassembler r(SmsReassembler::Options{.max_pending = 10, .missing_marker = "[?]"});
  r.Add({"c", 1, 2}, 2, "c2", kT0 + minutes(3));
  r.Add({"a", 1, 2}, 1, "a1", kT0 + minutes(1));
  r.Add({"b", 1, 2}, 2, "b2", kT0 + minutes(2));
  auto expired = r.Expire(kT0 + hours(2), hours(1));
  ASSERT_EQ(expired.size(), 3u);
  EXPECT_EQ(expired[0].text, "a1[?]");
  EXPECT_EQ(expired[1].text, "[?]b2");
  EXPECT_EQ(expired[2].text, "[?]c2");
}

TEST(SmsReassembler, CapEvictsTheOldestIntoExpire) {
  SmsReassembler r(SmsReassembler::Options{.max_pending = 3});
  for (int i = 0; i < 5; ++i) {
    r.Add({"+62" + std::to_string(i), 1, 2}, 1, "m" + std::to_string(i), kT0 + minutes(i));
    EXPECT_LE(r.pending(), 3u);
  }
  EXPECT_EQ(r.pending(), 3u);
  // The two oldest were evicted; they come out of the next Expire whatever their age.
  auto out = r.Expire(kT0 + minutes(5), hours(24));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].text, "m0…");
  EXPECT_EQ(out[1].text, "m1…");
  EXPECT_TRUE(r.Expire(kT0 + minutes(5), hours(24)).empty());
  // The survivors still complete.
  EXPECT_EQ(*r.Add({"+624", 1, 2}, 2, "!", kT0 + minutes(6)), "m4!");
}

TEST(SmsReassembler, EvictionListIsBoundedToo) {
  SmsReassembler r(SmsReassembler::Options{.max_pending = 2});
  for (int i = 0; i < 100; ++i) r.Add({std::to_string(i), 0, 2}, 1, "x", kT0 + minutes(i));
  EXPECT_EQ(r.pending(), 2u);
  auto out = r.Expire(kT0 + minutes(100), hours(24));
  EXPECT_EQ(out.size(), 2u);  // only the most recent evictions are kept
  EXPECT_EQ(out[0].key.sender, "96");
  EXPECT_EQ(out[1].key.sender, "97");
}

}  // namespace
}  // namespace pesan
