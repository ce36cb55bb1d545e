// The engine's own way past Model's public API to what a loaded model holds
// (Model::Impl). Model keeps Impl private and befriends only this class, so
// nothing outside engine/ depends on it but the benchmarks (bench/, which see
// the engine's folder to time its internals) and the engine's tests.
#pragma once

#include "engine/model/model_impl.h"
#include "scribed/engine/engine.h"

namespace scribed::engine {

class ModelAccess {
 public:
  using Impl = Model::Impl;
  static const Impl& Of(const Model& model) noexcept { return *model.impl_; }
};

using ModelImpl = ModelAccess::Impl;

}  // namespace scribed::engine
