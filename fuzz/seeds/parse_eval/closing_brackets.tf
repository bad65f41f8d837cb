locals {
  a = { b = {
    c = 1
  } }
  d = [
    { e = 1 },
    { f = 2,
      g = 3 },
  ]
  h = merge({
    i = 1
  }, {
    j = 2
  })
}
