x = "a\u00e9b"
y = "\"${var.q}\""
z = "%{ for a in b }${a}%{ endfor }"
