locals {
  a = max( 1,2,3 )
  b = concat(var.a,var.b...)
  c = lookup(var.m, "k", "default")
  d = jsonencode({
    a = 1
    bb = 2
  })
  e = format("%s-%s",
    var.a,
      var.b,
  )
  f = provider::aws::arn_parse(var.arn)
}
