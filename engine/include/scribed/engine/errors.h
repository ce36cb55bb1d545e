// Errors the engine reports to its callers.
#pragma once

#include <stdexcept>

namespace scribed::engine {

// A model file that is readable but not one scribed can run: wrong
// architecture, missing or mis-shaped tensor, unsupported tensor type,
// inconsistent metadata, text model and projector that do not belong
// together. The message says what is wrong and what the user can do.
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace scribed::engine
