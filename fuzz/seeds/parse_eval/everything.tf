terraform {
  required_version = ">= 1.5"
  required_providers {
    test = { source = "gitform/test", version = "~> 1.0" }
  }
}

provider "test" {
  alias    = "slow"
  delay_ms = var.n * 10
}

variable "ports" {
  type     = list(object({ from = number, to = optional(number, 0), proto = optional(string) }))
  default  = [{ from = 80 }, { from = 443, to = 443, proto = "tcp" }]
  nullable = false
  validation {
    condition     = alltrue([for p in var.ports : p.from > 0 && p.from < 65536])
    error_message = "Ports must be in 1..65535, got ${jsonencode(var.ports)}."
  }
}

variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  names   = [for i in range(3) : format("%s-%02d", var.name, i)]
  by_name = { for i, n in local.names : n => i... if i % 2 == 0 }
  splat   = terraform_data.r[*].id
  cond    = var.enabled ? "yes" : null
  math    = (1 + 2) * 3 / 4 % 5 - -6
  heredoc = <<-EOT
    Hello, ${upper(var.name)}!
    %{ for k, v in var.map ~}
    ${k} = ${v}
    %{ endfor ~}
    %{ if var.enabled }on%{ else }off%{ endif }
  EOT
  raw     = <<EOT
no $${interp} or %%{directive}
EOT
  try     = try(var.obj.missing, can(regex("^a+$", "aaa")), "fallback")
  nested  = { a = { b = [1, [2, { c = "d" }]] } }["a"].b[1][1].c
  str     = "\u00e9\U0001F600\t\"${"nested ${"deep"}"}\""
}

resource "test_resource" "web" {
  count    = length(var.ports)
  provider = test.slow
  value    = "${local.names[count.index]}:${var.ports[count.index].from}"
  triggers = merge(var.tags, { idx = tostring(count.index) })

  dynamic "rule" {
    for_each = var.ports
    iterator = p
    content {
      from = p.value.from
      to   = coalesce(p.value.to, p.value.from)
    }
  }

  lifecycle {
    create_before_destroy = true
    prevent_destroy       = false
    ignore_changes        = [triggers["idx"], value]
    replace_triggered_by  = [terraform_data.r[0].id]
    precondition {
      condition     = count.index >= 0
      error_message = "Negative index."
    }
    postcondition {
      condition     = self.value != ""
      error_message = "Empty value."
    }
  }

  provisioner "local-exec" {
    command = "echo ${self.id}"
  }

  connection {
    host = self.id
  }

  depends_on = [terraform_data.r, module.child.out]
}

data "test_data" "d" {
  for_each = toset(["a", "b"])
  input    = each.key
}

module "child" {
  source    = "./child"
  for_each  = { x = 1 }
  providers = { test = test.slow }
  input     = each.value
}

output "out" {
  value       = { for k, v in data.test_data.d : k => v.output }
  sensitive   = true
  description = "Outputs."
  depends_on  = [test_resource.web]
}

moved {
  from = test_resource.old
  to   = test_resource.web
}

import {
  to = terraform_data.r[0]
  id = "abc"
}

check "health" {
  assert {
    condition     = startswith(local.heredoc, "Hello")
    error_message = "Bad greeting."
  }
}
