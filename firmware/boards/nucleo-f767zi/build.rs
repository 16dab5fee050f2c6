//! embassy-stm32's `memory-x` feature provides memory.x; link with cortex-m-rt's link.x and
//! defmt's defmt.x.
fn main() {
    println!("cargo:rustc-link-arg-bins=--nmagic");
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
}
