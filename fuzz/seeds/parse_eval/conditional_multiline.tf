locals {
  value = var.enabled ? (
    var.a
  ) : var.b
  other = (
    var.x
    ? 1
    : 2
  )
  x = 1
}
