locals {
  a = 1
}
# final comment