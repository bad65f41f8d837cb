terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

# No endpoint here: the EC2 endpoint comes from AWS_ENDPOINT_URL_EC2 (or
# AWS_ENDPOINT_URL), and credentials from the usual AWS_* variables, so the
# same files run against AWS and against moto (see run-against-moto.sh).
provider "aws" {
  region = var.region

  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  default_tags {
    tags = {
      Project   = var.project
      ManagedBy = "gitform"
    }
  }
}
