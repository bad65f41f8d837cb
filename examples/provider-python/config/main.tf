# Notes kept as JSON files by the Python plugin gitform-provider-notes.
#
#   GITFORM_PROVIDER_OVERRIDES=$PWD/examples/provider-python gitform -chdir=examples/provider-python/config apply

terraform {
  required_providers {
    notes = {
      source  = "example/notes"
      version = "~> 0.1"
    }
  }
}

provider "notes" {
  directory = "notes"
}

variable "owner" {
  type    = string
  default = "ops"
}

resource "notes_note" "runbook" {
  name     = "runbook"
  body     = "Restart the worker with: systemctl restart worker"
  tags     = ["ops", var.owner]
  priority = 5
}

resource "notes_note" "oncall" {
  name   = "oncall"
  body   = "See ${notes_note.runbook.file} (revision ${notes_note.runbook.revision})"
  secret = "pager PIN 0000"
}

data "notes_note" "runbook" {
  name = notes_note.runbook.name

  depends_on = [notes_note.runbook]
}

output "runbook_id" {
  value = notes_note.runbook.id
}

output "runbook_tags" {
  value = data.notes_note.runbook.tags
}
