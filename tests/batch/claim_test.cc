#include "scribed/batch/claim.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>


#include "scribed/base/json.h"
#include "tests/batch/batch_test_util.h"

namespace scribed::batch {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;
using testing::WriteFile;
constexpr std::chrono::seconds kLease{60};

void Age(const fs::path& path, std::chrono::seconds by) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - by);
}

TEST(BatchClaimTest, OneHolderAtATimeUntilReleased) {
  ScratchDir dir;
  const fs::path path = dir.path() / "x.claim";
  const WorkerId self = WorkerId::Self();
  EXPECT_FALSE(ClaimIsLive(path, kLease));
  auto first = Claim::TryAcquire(path, self, kLease);
  ASSERT_TRUE(first);
  EXPECT_TRUE(ClaimIsLive(path, kLease));
  // This process is alive, so even an old mtime does not make it stale.
  Age(path, std::chrono::hours(2));
  EXPECT_FALSE(Claim::TryAcquire(path, self, kLease));
  first->Release();
  EXPECT_FALSE(fs::exists(path));
  auto second = Claim::TryAcquire(path, self, kLease);
  EXPECT_TRUE(second);
}

TEST(BatchClaimTest, ADeadHolderOnThisHostIsTakenOverAtOnce) {
  ScratchDir dir;
  const fs::path path = dir.path() / "x.claim";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto claim = Claim::TryAcquire(path, WorkerId::Self(), kLease);
    // Dies holding it, as kill -9 would leave it.
    ::_exit(claim ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  ASSERT_TRUE(fs::exists(path));
  EXPECT_FALSE(ClaimIsLive(path, kLease));
  auto mine = Claim::TryAcquire(path, WorkerId::Self(), kLease);
  ASSERT_TRUE(mine);
  EXPECT_TRUE(ClaimIsLive(path, kLease));
}

TEST(BatchClaimTest, AnotherHostsClaimLastsAsLongAsItIsRenewed) {
  ScratchDir dir;
  const fs::path path = dir.path() / "x.claim";
  WriteFile(path, nlohmann::json{{"host", "other-node"}, {"pid", 1}, {"start_ticks", 5}}.dump());
  EXPECT_TRUE(ClaimIsLive(path, kLease));
  EXPECT_FALSE(Claim::TryAcquire(path, WorkerId::Self(), kLease));
  Age(path, std::chrono::seconds(120));
  EXPECT_FALSE(ClaimIsLive(path, kLease));
  auto mine = Claim::TryAcquire(path, WorkerId::Self(), kLease);
  ASSERT_TRUE(mine);
  // Renewing keeps it live by mtime too.
  Age(path, std::chrono::seconds(120));
  mine->Renew();
  EXPECT_LT(fs::file_time_type::clock::now() - fs::last_write_time(path), kLease);
}

TEST(BatchClaimTest, ReleaseLeavesAClaimThatWasTakenOverAlone) {
  ScratchDir dir;
  const fs::path path = dir.path() / "x.claim";
  auto mine = Claim::TryAcquire(path, WorkerId::Self(), kLease);
  ASSERT_TRUE(mine);
  const std::string theirs = nlohmann::json{{"host", "other-node"}, {"pid", 9}}.dump();
  WriteFile(path, theirs);
  mine->Release();
  EXPECT_EQ(testing::ReadFile(path), theirs);
}

}  // namespace
}  // namespace scribed::batch
