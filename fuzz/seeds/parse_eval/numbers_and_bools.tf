locals {
  i = 42
  f = 3.14159
  e = 1e10
  t = true
  n = null
  neg = -0.5
}
