// Workgroup size and a shared-memory sum/max over it, for the row ops.
#define WG 64
layout(local_size_x = WG) in;

shared float red[WG];

float wg_sum(float v) {
  red[gl_LocalInvocationID.x] = v;
  barrier();
  for (uint s = WG / 2; s > 0u; s >>= 1) {
    if (gl_LocalInvocationID.x < s) red[gl_LocalInvocationID.x] += red[gl_LocalInvocationID.x + s];
    barrier();
  }
  const float r = red[0];
  barrier();
  return r;
}

float wg_max(float v) {
  red[gl_LocalInvocationID.x] = v;
  barrier();
  for (uint s = WG / 2; s > 0u; s >>= 1) {
    if (gl_LocalInvocationID.x < s) {
      red[gl_LocalInvocationID.x] = max(red[gl_LocalInvocationID.x], red[gl_LocalInvocationID.x + s]);
    }
    barrier();
  }
  const float r = red[0];
  barrier();
  return r;
}
