//! Compute: `aws_key_pair`, `aws_instance`, `aws_ebs_volume`,
//! `aws_volume_attachment`, `aws_launch_template`.

mod attachment;
pub(crate) mod instance;
mod key_pair;
mod launch_template;
pub(crate) mod volume;

use crate::resource::{Ctx, Resource};

/// The compute resource types.
pub fn resource_types() -> Vec<&'static dyn Resource> {
    vec![
        &key_pair::KeyPair,
        &instance::Ec2Instance,
        &volume::EbsVolume,
        &attachment::VolumeAttachment,
        &launch_template::LaunchTemplateResource,
    ]
}

/// The account id for ARNs of objects whose Describe answer does not name
/// their owner (volumes, key pairs): the session's (empty with
/// `skip_requesting_account_id`, as in hashicorp/aws).
pub(crate) fn account_id<'a>(cx: &Ctx<'a>) -> &'a str {
    &cx.session.account_id
}
