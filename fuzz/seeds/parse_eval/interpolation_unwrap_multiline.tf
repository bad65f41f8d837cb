locals {
  a = "${
    var.x
  }"
  b = "${var.cond ?
    1 : 2}"
  c = "${(
    var.x
  )}"
}
