locals {
  t = <<EOT
%{ for x in var.list ~}
item ${ x }
%{ endfor ~}
%{ if var.enabled }yes%{ else }no%{ endif }
EOT
}
