//! The AWS provider (EC2 and VPC resources), over aws-sdk-ec2.
//!
//! This crate is the only one that depends on the AWS SDK; the engine never
//! does, so engine changes never rebuild aws-sdk-ec2. No SDK type leaves
//! this crate: the engine sees `Value`s of the schemas below.

use async_trait::async_trait;
use gitform_provider::{
    ApplyChangeRequest, ApplyChangeResponse, Block, Provider, ProviderSchema, ReadRequest,
    ReadResponse, Schema,
};
use gitform_value::Diagnostic;
use std::sync::Arc;

/// The provider factory, as registered under the name `aws`.
pub fn provider() -> Arc<dyn Provider> {
    Arc::new(AwsProvider::default())
}

/// The AWS provider. Work in progress: no resource types yet.
#[derive(Default)]
pub struct AwsProvider {}

#[async_trait]
impl Provider for AwsProvider {
    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            provider: Schema::new(Block::new()),
            ..ProviderSchema::default()
        }
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        ApplyChangeResponse {
            new_state: req.prior_state,
            private: None,
            diagnostics: vec![not_built(&req.type_name)],
        }
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: Some(req.current_state),
            private: req.private,
            diagnostics: vec![not_built(&req.type_name)],
        }
    }
}

fn not_built(type_name: &str) -> Diagnostic {
    Diagnostic::error(
        "Resource type not available yet",
        format!("The aws provider does not implement \"{type_name}\" yet."),
    )
}
