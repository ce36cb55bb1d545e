// The one compiled copy of the nlohmann::json templates that
// scribed/base/json.h declares extern.
#define SCRIBED_JSON_INSTANTIATE
#include "scribed/base/json.h"

SCRIBED_JSON_INSTANTIATIONS()
