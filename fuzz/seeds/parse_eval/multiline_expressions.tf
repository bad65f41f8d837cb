locals {
  a = {
    for k, v in var.m : k => v
    if v != null
  }
  b = [for x in var.l : x
  ]
  c = var.a[
    0
  ]
  d = func(
    1,
  )
  f = (var.cond ? "a" :
  "b")
}
