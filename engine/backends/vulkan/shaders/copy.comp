#version 450
// dst = src over `count` 16-byte words: the memory-bandwidth probe
// (vk_bandwidth.cc). Integers, so every bit pattern is copied as is.
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Sb { uvec4 src[]; };
layout(std430, binding = 1) writeonly buffer Db { uvec4 dst[]; };
layout(push_constant) uniform P { uint count; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * 256u;
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += stride) dst[i] = src[i];
}
