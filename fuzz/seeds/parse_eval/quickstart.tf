# The gitform quickstart: builtin providers only, no cloud account needed.
#
#   gitform -chdir=examples/quickstart apply -auto-approve
#   gitform -chdir=examples/quickstart plan      # No changes.

terraform {
  required_version = ">= 1.0"
}

variable "environment" {
  type        = string
  default     = "dev"
  description = "Name of the environment, used in every generated name."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.environment))
    error_message = "The environment must be lowercase letters, digits and dashes."
  }
}

variable "services" {
  type = map(object({
    port     = number
    replicas = optional(number, 1)
  }))
  default = {
    api    = { port = 8080, replicas = 2 }
    worker = { port = 9090 }
  }
}

locals {
  prefix = "${var.environment}-${random_pet.project.id}"
  labels = {
    environment = var.environment
    managed_by  = "gitform"
  }
}

# A memorable project name, generated once and kept in the state.
resource "random_pet" "project" {
  length = 2
}

# One secret per service; the value never appears in plans or logs.
resource "random_password" "service" {
  for_each = var.services

  length  = 24
  special = false
}

# Records each service's settings; replaced whenever the port changes.
resource "terraform_data" "service" {
  for_each = var.services

  input = {
    name     = "${local.prefix}-${each.key}"
    port     = each.value.port
    replicas = each.value.replicas
    labels   = local.labels
  }
  triggers_replace = [each.value.port]
}

# A rendered inventory file that depends on everything above.
resource "local_file" "inventory" {
  filename        = "${path.module}/out/inventory.json"
  file_permission = "0644"
  content = jsonencode({
    project  = random_pet.project.id
    services = { for name, svc in terraform_data.service : name => svc.output }
  })
}

output "project" {
  value = random_pet.project.id
}

output "inventory_file" {
  value = local_file.inventory.filename
}

output "service_passwords" {
  value     = { for name, pw in random_password.service : name => pw.result }
  sensitive = true
}
