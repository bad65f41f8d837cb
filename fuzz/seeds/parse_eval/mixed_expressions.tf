locals {
  a = var.x ? { b = 1 } : { b = 2 }
  c = [for i, v in var.l : { idx = i, val = v }]
  d = try(var.a.b, null)
  e = can(regex("^a", var.s))
  f = var.list[length(var.list) - 1]
  g = { "a b" = 1, "c" = 2 }
  h = (var.a)
  i = -var.n
  j = !(var.a && var.b)
  k = [
    # comment in list
    1, # trailing in list
    2,
  ]
  l = {
    # comment in object
    a = 1 # c
    bb = 2
  }
  m = <<-EOT
  ${join(",", [for s in var.l : "${s}-x"])}
  EOT
  n = "${var.a}"   # unwrapped
  o = "${ {a=1}.a }"
}
