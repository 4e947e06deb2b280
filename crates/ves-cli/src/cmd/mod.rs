//! One module per subcommand.

pub mod audit;
pub mod bench;
pub mod capacity;
pub mod conformance;
pub mod doubles;
pub mod keygen;
pub mod presign;
pub mod progress;
pub mod register_key;
pub mod signer;
pub mod spec;
pub mod vectors;
pub mod verify_chain;
