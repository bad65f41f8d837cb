//! Terraform's built-in function library.
//!
//! Every function is described by a [`FuncSpec`]: its parameters with their
//! types and what each accepts (null, unknown, sensitive), and a plain Rust
//! function that computes the result. [`call`] does the common work, in
//! Terraform's order:
//!
//! 1. arity check;
//! 2. for each argument: null check, then conversion to the parameter type
//!    (`gitform_value::convert::convert`);
//! 3. unknowns: if an argument that does not accept unknowns is not wholly
//!    known, the result is `Value::Unknown(ret)` without calling the function;
//! 4. sensitive marks: unless the function handles marks itself, arguments
//!    are unmarked deeply before the call and the result is marked if any
//!    argument carried a mark.
//!
//! Modules are named after the function families they hold. Each exposes
//! `pub(crate) fn functions() -> Vec<FuncSpec>`, collected by [`table`].

use gitform_value::convert::convert;
use gitform_value::{Type, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

mod collection;
mod crypto;
mod datetime;
mod encoding;
mod filesystem;
mod format;
mod network;
mod numeric;
mod regexp;
mod sets;
mod string;
mod typeconv;

pub use filesystem::{DiskFiles, FileKind, FileSource};

/// Renders a template for `templatefile`: receives the template text, the
/// file name (for diagnostics) and the variables object, and returns the
/// rendered value or an error message. Provided by the expression evaluator.
pub type TemplateFn = dyn Fn(&str, &str, &Value) -> Result<Value, String> + Send + Sync;

/// What a function may need from its surroundings.
#[derive(Clone, Default)]
pub struct FuncContext {
    /// The module's directory: filesystem functions resolve relative paths
    /// against it (`path.module`).
    pub base_dir: PathBuf,
    /// The template renderer used by `templatefile`; without it,
    /// `templatefile` fails.
    pub template: Option<std::sync::Arc<TemplateFn>>,
    /// Where `file`, `fileexists`, `fileset`, `filebase64`, the file hash
    /// functions and `templatefile` read from; the disk when `None`. A
    /// configuration loaded from a Git commit reads the commit here.
    pub files: Option<std::sync::Arc<dyn FileSource>>,
}

impl std::fmt::Debug for FuncContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FuncContext")
            .field("base_dir", &self.base_dir)
            .field("template", &self.template.as_ref().map(|_| "<renderer>"))
            .field("files", &self.files.as_ref().map(|_| "<source>"))
            .finish()
    }
}

impl FuncContext {
    pub fn new(base_dir: impl Into<PathBuf>) -> FuncContext {
        FuncContext {
            base_dir: base_dir.into(),
            template: None,
            files: None,
        }
    }

    /// The source the file functions read from (the disk by default).
    pub fn files(&self) -> &dyn FileSource {
        match &self.files {
            Some(f) => f.as_ref(),
            None => &DiskFiles,
        }
    }

    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }
}

/// A function call error. `arg` is the index of the argument at fault (the
/// evaluator points the diagnostic at that argument's source range).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FuncError {
    #[error("There is no function named \"{0}\".")]
    UnknownFunction(String),
    #[error("{message}")]
    Arity { message: String },
    /// "Invalid value for "{param}" parameter: {message}."
    #[error("Invalid value for \"{param}\" parameter: {message}.")]
    Arg {
        arg: usize,
        param: String,
        message: String,
    },
    /// Any other failure ("Invalid function argument" / "Error in function call").
    #[error("{message}")]
    Call { arg: Option<usize>, message: String },
}

impl FuncError {
    /// A failure of the call itself, not tied to an argument.
    pub fn call(message: impl Into<String>) -> FuncError {
        FuncError::Call {
            arg: None,
            message: message.into(),
        }
    }

    /// A failure caused by argument `arg` (0-based).
    pub fn arg(arg: usize, message: impl Into<String>) -> FuncError {
        FuncError::Call {
            arg: Some(arg),
            message: message.into(),
        }
    }

    /// The 0-based index of the argument at fault, if any.
    pub fn arg_index(&self) -> Option<usize> {
        match self {
            FuncError::Arg { arg, .. } => Some(*arg),
            FuncError::Call { arg, .. } => *arg,
            _ => None,
        }
    }
}

pub type FuncResult = Result<Value, FuncError>;

/// The implementation: receives the converted arguments (variadic ones
/// appended after the fixed ones).
pub type FuncImpl = fn(&[Value], &FuncContext) -> FuncResult;

#[derive(Clone, Debug)]
pub struct Param {
    pub name: &'static str,
    /// The parameter type; `Type::Dynamic` accepts anything unconverted.
    pub ty: Type,
    pub allow_null: bool,
    /// When false, an argument that is not wholly known makes the result unknown.
    pub allow_unknown: bool,
    /// When true, the function receives the argument with its marks.
    pub allow_marked: bool,
}

impl Param {
    pub fn new(name: &'static str, ty: Type) -> Param {
        Param {
            name,
            ty,
            allow_null: false,
            allow_unknown: false,
            allow_marked: false,
        }
    }

    pub fn allow_null(mut self) -> Param {
        self.allow_null = true;
        self
    }

    pub fn allow_unknown(mut self) -> Param {
        self.allow_unknown = true;
        self
    }

    pub fn allow_marked(mut self) -> Param {
        self.allow_marked = true;
        self
    }
}

#[derive(Clone, Debug)]
pub struct FuncSpec {
    pub name: &'static str,
    pub params: Vec<Param>,
    pub variadic: Option<Param>,
    /// The result type when known in advance (used for unknown results).
    pub ret: Type,
    pub imp: FuncImpl,
}

impl FuncSpec {
    pub fn new(name: &'static str, params: Vec<Param>, ret: Type, imp: FuncImpl) -> FuncSpec {
        FuncSpec {
            name,
            params,
            variadic: None,
            ret,
            imp,
        }
    }

    pub fn variadic(mut self, p: Param) -> FuncSpec {
        self.variadic = Some(p);
        self
    }
}

/// All functions by name.
pub fn table() -> &'static HashMap<&'static str, FuncSpec> {
    static TABLE: OnceLock<HashMap<&'static str, FuncSpec>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = HashMap::new();
        for family in FAMILIES {
            for spec in family() {
                t.insert(spec.name, spec);
            }
        }
        t
    })
}

/// The function families. Each module adds its list here.
const FAMILIES: &[fn() -> Vec<FuncSpec>] = &[
    crypto::functions,
    datetime::functions,
    encoding::functions,
    filesystem::functions,
    network::functions,
    typeconv::functions,
    numeric::functions,
    string::functions,
    format::functions,
    regexp::functions,
    collection::functions,
    sets::functions,
];

/// The names of every function (for "did you mean" suggestions).
pub fn names() -> impl Iterator<Item = &'static str> {
    table().keys().copied()
}

/// Calls function `name` with `args`, doing the common argument handling
/// described in the crate docs.
pub fn call(name: &str, args: Vec<Value>, ctx: &FuncContext) -> FuncResult {
    let spec = table()
        .get(name)
        .ok_or_else(|| FuncError::UnknownFunction(name.to_string()))?;
    call_spec(spec, args, ctx)
}

/// Calls a function given its spec.
pub fn call_spec(spec: &FuncSpec, args: Vec<Value>, ctx: &FuncContext) -> FuncResult {
    let fixed = spec.params.len();
    if args.len() < fixed || (spec.variadic.is_none() && args.len() > fixed) {
        let want = if spec.variadic.is_some() {
            format!("at least {fixed}")
        } else {
            fixed.to_string()
        };
        let noun = if fixed == 1 && spec.variadic.is_none() {
            "argument"
        } else {
            "arguments"
        };
        return Err(FuncError::Arity {
            message: format!(
                "Function \"{}\" expects {want} {noun}, but {} were given.",
                spec.name,
                args.len()
            ),
        });
    }
    let mut marked = false;
    let mut unknown = false;
    let mut converted = Vec::with_capacity(args.len());
    for (i, arg) in args.into_iter().enumerate() {
        let Some(param) = spec.params.get(i).or(spec.variadic.as_ref()) else {
            return Err(FuncError::call("too many arguments"));
        };
        if arg.is_null() && !param.allow_null {
            return Err(FuncError::Arg {
                arg: i,
                param: param.name.to_string(),
                message: "argument must not be null".to_string(),
            });
        }
        let arg = if param.allow_marked {
            arg
        } else {
            let (v, m) = arg.unmark_deep();
            marked |= m;
            v
        };
        if !param.allow_unknown && !arg.is_wholly_known() {
            unknown = true;
        }
        let arg = if matches!(param.ty, Type::Dynamic) || arg.is_null() {
            arg
        } else {
            convert(arg, &param.ty).map_err(|e| FuncError::Arg {
                arg: i,
                param: param.name.to_string(),
                message: e.message,
            })?
        };
        converted.push(arg);
    }
    if unknown {
        return Ok(Value::Unknown(spec.ret.clone()).mark_if(marked));
    }
    let result = (spec.imp)(&converted, ctx)?;
    Ok(result.mark_if(marked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_function_is_an_error() {
        let err = call("nosuchfunction", vec![], &FuncContext::default()).unwrap_err();
        assert_eq!(err, FuncError::UnknownFunction("nosuchfunction".into()));
    }
}
