locals {
	naïve = "é${var.ünknown}"
}
