use gitform_builtin::{builtin_provider, builtin_providers, implied_provider_name};

#[test]
fn every_type_belongs_to_its_implied_provider() {
    let names: Vec<&str> = builtin_providers().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["terraform", "random", "local", "test"]);
    for (name, factory) in builtin_providers() {
        let schema = factory().schema();
        assert!(!schema.resources.is_empty(), "{name}");
        for type_name in schema.resources.keys().chain(schema.data_sources.keys()) {
            assert_eq!(implied_provider_name(type_name), name, "{type_name}");
        }
    }
}

#[test]
fn expected_types() {
    let cases = [
        ("terraform", vec!["terraform_data"], vec![]),
        (
            "random",
            vec![
                "random_id",
                "random_integer",
                "random_password",
                "random_pet",
                "random_string",
                "random_uuid",
            ],
            vec![],
        ),
        (
            "local",
            vec!["local_file", "local_sensitive_file"],
            vec!["local_file", "local_sensitive_file"],
        ),
        ("test", vec!["test_resource"], vec!["test_data"]),
    ];
    for (name, resources, data) in cases {
        let schema = builtin_provider(name).expect("provider")().schema();
        assert_eq!(
            schema.resources.keys().collect::<Vec<_>>(),
            resources,
            "{name}"
        );
        assert_eq!(
            schema.data_sources.keys().collect::<Vec<_>>(),
            data,
            "{name}"
        );
    }
    assert!(builtin_provider("aws").is_none());
}
