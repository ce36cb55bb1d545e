// One exception -> exit-code table for every scribe command.
#include "clients/scribe/exit_codes.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <system_error>

#include "scribed/audio/errors.h"
#include "scribed/client/client.h"
#include "scribed/config/options.h"
#include "scribed/engine/errors.h"
#include "scribed/protocol/protocol.h"

namespace scribed::cli {
namespace {

TEST(ExitCodes, BadInputIsTwo) {
  EXPECT_EQ(ExitCodeFor(std::invalid_argument("x")), kExitBadInput);
  EXPECT_EQ(ExitCodeFor(config::ConfigError("x")), kExitBadInput);
  EXPECT_EQ(ExitCodeFor(engine::ModelError("wrong architecture")), kExitBadInput);
  EXPECT_EQ(ExitCodeFor(audio::FileError("a.wav", "no such file")), kExitBadInput);
  EXPECT_EQ(ExitCodeFor(protocol::ProtocolError(protocol::ErrorCode::kBadArgs, "x")),
            kExitBadInput);
  EXPECT_EQ(ExitCodeFor(std::system_error(std::make_error_code(std::errc::no_such_file_or_directory))),
            kExitBadInput);
}

TEST(ExitCodes, RuntimeFailuresAreOne) {
  EXPECT_EQ(ExitCodeFor(audio::AudioError("resampler failed")), kExitFailure);
  EXPECT_EQ(ExitCodeFor(client::DaemonError("no answer", std::nullopt)), kExitFailure);
  EXPECT_EQ(ExitCodeFor(protocol::ProtocolError(protocol::ErrorCode::kBadJson, "x")),
            kExitFailure);
  EXPECT_EQ(ExitCodeFor(std::system_error(std::make_error_code(std::errc::io_error))),
            kExitFailure);
  EXPECT_EQ(ExitCodeFor(std::runtime_error("x")), kExitFailure);
}

}  // namespace
}  // namespace scribed::cli
