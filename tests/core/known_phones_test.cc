#include "core/known_phones.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace pesan {
namespace {

std::string Phone(int i) { return "+62812" + std::to_string(10000000 + i); }

TEST(KnownPhones, EveryNumberAddedIsAMaybeAndFewOthersAre) {
  KnownPhones known;
  for (int i = 0; i < 100000; i += 2) known.Add(Phone(i));
  int false_maybe = 0;
  for (int i = 0; i < 100000; i += 2) ASSERT_TRUE(known.MayContain(Phone(i))) << Phone(i);
  for (int i = 1; i < 100000; i += 2) false_maybe += known.MayContain(Phone(i));
  EXPECT_LT(false_maybe, 50);  // of 50,000 numbers never added (about 1 expected)
  EXPECT_FALSE(KnownPhones().MayContain(Phone(0)));
}

TEST(KnownPhones, AddsFromSeveralThreadsAreAllKept) {
  KnownPhones known(16);  // small: threads share words
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&known, t] {
      for (int i = t; i < 4000; i += 4) known.Add(Phone(i));
    });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < 4000; ++i) ASSERT_TRUE(known.MayContain(Phone(i))) << Phone(i);
}

}  // namespace
}  // namespace pesan
