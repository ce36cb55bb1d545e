// An engine source using ZeroMQ: the boundary check must reject it.
#include <zmq.hpp>

#include "engine/model/config.h"
