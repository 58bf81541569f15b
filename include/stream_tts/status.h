// Status and Result<T>: how the hot path reports failure without exceptions.
// Construction and loading may throw stream_tts::Error (a Status carried as an exception);
// boundaries (main, worker host) catch it and map it to an exit code and a message.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace stream_tts {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad flag, bad config value
  kNotFound,         // missing file, model, device
  kDataError,        // malformed input that could not be used
  kUnavailable,      // a device or worker that is gone
  kCancelled,        // stopped on request
  kEndOfStream,      // no more data (not an error for streams)
  kInternal,         // a bug or a library failure
};

const char* status_code_name(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not found: model file /x/y.gguf"
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// The exception thrown by constructors and loaders; carries a Status.
class Error : public std::runtime_error {
 public:
  explicit Error(Status status)
      : std::runtime_error(status.to_string()), status_(std::move(status)) {}
  Error(StatusCode code, const std::string& message) : Error(Status(code, message)) {}
  const Status& status() const { return status_; }

 private:
  Status status_;
};

// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace stream_tts
