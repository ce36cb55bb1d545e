#version 450
// g = gelu_tanh(g) * u, elementwise.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Gb { float g[]; };
layout(std430, binding = 1) readonly buffer Ub { float u[]; };
layout(push_constant) uniform P { uint count; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * 256u;
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += stride) {
    const float v = g[i];
    // tanh written out: GLSL's tanh overflows to NaN for large |z| on some drivers.
    const float z = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    const float e = exp(-2.0 * abs(z));
    const float t = sign(z) * (1.0 - e) / (1.0 + e);
    g[i] = 0.5 * v * (1.0 + t) * u[i];
  }
}
