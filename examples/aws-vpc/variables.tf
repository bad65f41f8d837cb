variable "region" {
  description = "AWS region to build the network in."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Name prefix, and the Project tag on every resource."
  type        = string
  default     = "aws-vpc-example"
}

variable "vpc_cidr" {
  description = "Address range of the VPC; subnets are /24s carved out of it."
  type        = string
  default     = "10.20.0.0/16"
}

variable "instance_type" {
  type    = string
  default = "t3.micro"
}

variable "ssh_public_key" {
  description = "Public key installed on the instances as the deployer key pair."
  type        = string
  default     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGbwlmR8Kesxsserp3i0oom3+UDUx5ZkQ/BNhfMMB3FU deployer@gitform-example"
}
