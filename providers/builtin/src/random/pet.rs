//! `random_pet`: random, memorable names such as `brightly-calm-otter`.

use super::keepers_attribute;
use super::words::{ADJECTIVES, ADVERBS, ANIMALS};
use crate::object::{at_least, int_attr, str_attr, with_attrs};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};
use rand::seq::IndexedRandom;

pub(super) fn schema() -> Schema {
    Schema::new(
        Block::new()
            .describe(
                "Random pet names, meant to be used as unique identifiers for other resources.",
            )
            .attr("keepers", keepers_attribute())
            .attr(
                "length",
                Attribute::optional(Type::Number)
                    .with_default(Value::int(2))
                    .force_new()
                    .describe("The length (in words) of the pet name. Defaults to 2."),
            )
            .attr(
                "prefix",
                Attribute::optional(Type::String)
                    .force_new()
                    .describe("A string to prefix the name with."),
            )
            .attr(
                "separator",
                Attribute::optional(Type::String)
                    .with_default(Value::from("-"))
                    .force_new()
                    .describe(
                        "The character to separate words in the pet name. Defaults to \"-\".",
                    ),
            )
            .attr(
                "id",
                Attribute::computed(Type::String).describe("The random pet name."),
            ),
    )
}

pub(super) fn validate(config: &Value) -> Vec<Diagnostic> {
    at_least(config, "length", 1).into_iter().collect()
}

pub(super) fn create(planned: &Value) -> Result<Value, Vec<Diagnostic>> {
    if let Some(d) = at_least(planned, "length", 1) {
        return Err(vec![d]);
    }
    let length = usize::try_from(int_attr(planned, "length").unwrap_or(2)).unwrap_or(2);
    let separator = str_attr(planned, "separator").unwrap_or("-");
    let mut words = pet_words(length);
    if let Some(prefix) = str_attr(planned, "prefix") {
        words.insert(0, prefix);
    }
    Ok(with_attrs(
        planned.clone(),
        [("id", Value::from(words.join(separator)))],
    ))
}

/// `length` words: adverbs, then an adjective, then an animal (one word is
/// just an animal; two are an adjective and an animal).
fn pet_words(length: usize) -> Vec<&'static str> {
    let mut rng = rand::rng();
    let mut pick = |list: &[&'static str]| list.choose(&mut rng).copied().unwrap_or("pet");
    let mut words = Vec::with_capacity(length);
    for _ in 2..length {
        words.push(pick(ADVERBS));
    }
    if length >= 2 {
        words.push(pick(ADJECTIVES));
    }
    words.push(pick(ANIMALS));
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_kinds_by_position() {
        for length in 1..6 {
            let words = pet_words(length);
            assert_eq!(words.len(), length);
            assert!(ANIMALS.contains(words.last().unwrap_or(&"")));
            if length >= 2 {
                assert!(ADJECTIVES.contains(&words[length - 2]));
            }
            for w in &words[..length.saturating_sub(2)] {
                assert!(ADVERBS.contains(w), "{w}");
            }
        }
    }
}
