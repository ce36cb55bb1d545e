#include "daemon/zmq/curve_server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <iterator>
#include <vector>
#include <zmq_addon.hpp>

#include "daemon/zmq/endpoint.h"
#include "scribed/base/private_dir.h"

namespace scribed::daemon {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr size_t kMaxLoggedKeys = 64;

config::CurveKeyPair GenerateKeyPair() {
  std::array<char, 41> pub{}, secret{};
  if (zmq_curve_keypair(pub.data(), secret.data()) != 0) {
    throw EndpointError(std::string("cannot generate a CURVE key pair: ") +
                        zmq_strerror(zmq_errno()));
  }
  return {pub.data(), secret.data()};
}

std::string Decode(const std::string& z85) {
  std::array<uint8_t, 32> key{};
  zmq_z85_decode(key.data(), z85.c_str());  // IsZ85Key checked it
  return std::string(reinterpret_cast<const char*>(key.data()), key.size());
}

std::string Encode(const zmq::message_t& key) {
  if (key.size() != 32) {
    std::string text = "(";
    text.append(std::to_string(key.size())).append(" bytes)");
    return text;
  }
  std::array<char, 41> text{};
  zmq_z85_encode(text.data(), static_cast<const uint8_t*>(key.data()), key.size());
  return text.data();
}

}  // namespace

CurveServer::CurveServer(zmq::context_t& context, const std::filesystem::path& key_dir,
                         const std::filesystem::path& authorized_keys)
    : authorized_keys_path_(authorized_keys),
      context_(context),
      zap_(context, zmq::socket_type::rep),
      wake_pull_(context, zmq::socket_type::pull),
      wake_endpoint_("inproc://scribed-zap-wake-" +
                     std::to_string(reinterpret_cast<uintptr_t>(this))) {
  if (!zmq_has("curve")) {
    throw EndpointError(
        "tcp:// endpoints need CURVE, and this libzmq was built without it; use ipc://");
  }
  base::EnsurePrivateDirectory(key_dir);
  keys_ = config::LoadOrCreateKeyPair(key_dir, "server", GenerateKeyPair);
  for (const std::string& key : config::ReadAuthorizedKeys(authorized_keys)) {
    authorized_.insert(Decode(key));
  }
  if (authorized_.empty()) {
    throw EndpointError("tcp:// endpoints admit only listed CURVE client keys, and " +
                        authorized_keys.string() +
                        " lists none: run `scribe keys generate` for each client and add the "
                        "public key it prints, one per line. Clients need this daemon's public "
                        "key, " +
                        (key_dir / "server.pub").string() + ": " + keys_.public_key);
  }
  zap_.set(zmq::sockopt::linger, 0);
  zap_.bind(kZapEndpoint);
  wake_pull_.bind(wake_endpoint_);
  spdlog::info("CURVE on tcp:// endpoints: public key {} ({}), {} client keys from {}",
               keys_.public_key, (key_dir / "server.pub").string(), authorized_.size(),
               authorized_keys.string());
  thread_ = std::thread([this] { Run(); });
}

CurveServer::~CurveServer() {
  if (!thread_.joinable()) return;
  zmq::socket_t wake(context_, zmq::socket_type::push);
  wake.set(zmq::sockopt::linger, 0);
  wake.connect(wake_endpoint_);
  wake.send(zmq::str_buffer("stop"), zmq::send_flags::none);
  thread_.join();
}

bool CurveServer::Admit(const zmq::message_t& mechanism, const zmq::message_t& key) {
  if (mechanism.to_string_view() == "CURVE" && authorized_.count(key.to_string()) != 0) {
    return true;
  }
  ++refused_;
  const std::string text = Encode(key);
  if (logged_.size() < kMaxLoggedKeys && logged_.insert(text).second) {
    spdlog::warn("refused a {} client with key {}: not in {}", mechanism.to_string(), text,
                 authorized_keys_path_.string());
  }
  return false;
}

void CurveServer::Run() {
  std::vector<zmq::message_t> request;
  for (;;) {
    zmq::pollitem_t items[] = {{zap_.handle(), 0, ZMQ_POLLIN, 0},
                               {wake_pull_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(-1));
    if (items[1].revents & ZMQ_POLLIN) break;
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    request.clear();
    (void)zmq::recv_multipart(zap_, std::back_inserter(request), zmq::recv_flags::dontwait);
    // RFC 27: version, request id, domain, address, routing id, mechanism,
    // credentials (for CURVE: the client's 32-byte public key).
    const bool well_formed = request.size() >= 7 && request[0].to_string_view() == "1.0";
    const bool ok = well_formed && Admit(request[5], request[6]);
    const std::string id = request.size() > 1 ? request[1].to_string() : "";
    zap_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
    zap_.send(zmq::buffer(id), zmq::send_flags::sndmore);
    zap_.send(ok ? zmq::str_buffer("200") : zmq::str_buffer("400"), zmq::send_flags::sndmore);
    zap_.send(ok ? zmq::str_buffer("OK") : zmq::str_buffer("client key not authorized"),
              zmq::send_flags::sndmore);
    zap_.send(zmq::message_t(), zmq::send_flags::sndmore);  // user id
    zap_.send(zmq::message_t(), zmq::send_flags::none);     // metadata
  }
}

}  // namespace scribed::daemon
