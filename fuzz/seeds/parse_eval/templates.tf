locals {
  a = "${var.x}"
  b = "${var.x}-suffix"
  c = "prefix-${var.x}-${ var.y }"
  d = "${ var.a ? "y" : "n" }"
  e = "%{ if var.b }yes%{ endif }"
  f = "$${not_interp} %%{not_directive}"
  g = "${var.a}${var.b}"
  h = "${foo("${bar}")}"
  i = "${
    var.cond ? 1 : 2
  }"
  j = "esc \"quote\" \\ back"
}
