# An inventory of services kept in a local SQLite database by the sqlite
# example plugin. Build the plugin, put it where gitform finds it, apply:
#
#   cargo build -p gitform-provider-sqlite
#   GITFORM_PROVIDER_OVERRIDES=$PWD/target/debug gitform -chdir=examples/provider-sqlite/config apply

terraform {
  required_providers {
    sqlite = {
      source  = "example/sqlite"
      version = ">= 0.1.0"
    }
  }
}

provider "sqlite" {
  path = "inventory.sqlite"
}

variable "services" {
  type = map(object({
    image = string
    port  = number
  }))
  default = {
    api    = { image = "registry.local/api:1.4", port = 8080 }
    worker = { image = "registry.local/worker:2.0", port = 9090 }
  }
}

resource "sqlite_item" "service" {
  for_each = var.services

  table = "services"
  key   = each.key
  value = each.value.image
  tags = {
    port = tostring(each.value.port)
  }
}

resource "sqlite_item" "motd" {
  table = "settings"
  key   = "motd"
  value = "Running ${join(", ", sort(keys(sqlite_item.service)))}"
}

data "sqlite_item" "motd" {
  table = sqlite_item.motd.table
  key   = sqlite_item.motd.key

  depends_on = [sqlite_item.motd]
}

output "motd" {
  value = data.sqlite_item.motd.value
}

output "service_ids" {
  value = { for k, s in sqlite_item.service : k => s.id }
}
