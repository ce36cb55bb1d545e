// A pipeline source reaching into the engine's internals: the boundary
// check must reject it.
#include "engine/model/decoder.h"
#include "scribed/engine/engine.h"
