locals {
  a = 1+2*3-4/5%6
  b = -1
  c = !var.x
  d = var.a&&var.b||var.c
  e = var.a==var.b
  f = var.a!=var.b
  g = var.a>=1 ? var.a<=2 : var.a<3
  h = (1+2)*3
  i = var.list[0]
  j = var.list[*].id
  k = var.obj.attr[ "key" ]
  l = 1 - -1
  m = [-1, - 2]
  n = var.x.0.y
  o = 1.5e3
}
