#version 450
// x = cap * tanh(x / cap), elementwise.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Xb { float x[]; };
layout(push_constant) uniform P { uint count; float cap; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * 256u;
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += stride) {
    const float z = x[i] / p.cap;
    const float e = exp(-2.0 * abs(z));
    x[i] = p.cap * sign(z) * (1.0 - e) / (1.0 + e);
  }
}
