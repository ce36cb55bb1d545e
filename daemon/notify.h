// systemd service notification (sd_notify): readiness, status text, watchdog.
// Every call is a no-op when the daemon was not started by systemd.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace scribed::daemon {

void NotifyReady(const std::string& status);
void NotifyStatus(const std::string& status);
void NotifyStopping(const std::string& status);
void NotifyWatchdog();
// The interval at which systemd expects WATCHDOG=1, when WatchdogSec= is set.
std::optional<std::chrono::microseconds> WatchdogInterval();

}  // namespace scribed::daemon
