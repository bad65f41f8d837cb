locals {
  a = <<EOT
  EOT not end
EOT
  b = <<-EOT
    $${literal} %%{literal}
    ${var.x}${var.y}
    EOT
  c = [<<EOT
in list
EOT
  , "x"]
}
