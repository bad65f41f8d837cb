locals {
  c = [
    1,
    local.zzz,
  ]
}
