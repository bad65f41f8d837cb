locals {
  upper = [for s in var.list : upper(s)]
  filtered = [ for s in var.list: s if s!="" ]
  m = {for k,v in var.map: k=>v}
  grouped = {for k, v in var.map : v => k...}
  tuple_in = [for x in[1, 2]: x]
  multi = {
    for k, v in var.map :
    k => v
    if v != null
  }
}
