//! One module per subcommand.

pub mod bench;
pub mod conformance;
pub mod keygen;
pub mod presign;
pub mod vectors;
