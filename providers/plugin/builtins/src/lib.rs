//! gitform's builtin providers as plugin executables
//! (`gitform-provider-test`, `-terraform`, `-random`, `-local`), built with
//! the plugin SDK. Tests use them to drive the real plugin path, and the
//! overhead benchmark compares them with the same providers in-process.
