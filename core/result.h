// Result<T>: a value or an Error, for failures that are expected (bad input, a peer that is
// down). Bugs are not Results: they assert. No exception crosses a component boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace pesan {

enum class ErrorCode {
  kInvalidInput,  // the caller's bytes or arguments are wrong; the message says where
  kNotFound,      // the thing named does not exist
  kConflict,      // the thing exists but is in a state that forbids the change
  kOutOfStock,    // not enough stock for an order
  kUnavailable,   // a peer or device is down; retrying later may work
  kTimeout,       // a peer did not answer in time
  kInternal,      // storage or system failure
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error InvalidInput(std::string m) { return {ErrorCode::kInvalidInput, std::move(m)}; }
inline Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Error Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
inline Error Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
inline Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation with no value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace pesan
